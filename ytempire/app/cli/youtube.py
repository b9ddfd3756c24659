"""``ytempire youtube new-key | rotate-keys``: the keys that seal stored YouTube refresh tokens."""

from __future__ import annotations

from typing import cast

import typer

from ytempire.core.settings import get_settings

app = typer.Typer(help="YouTube connections: token keys.", no_args_is_help=True)


@app.command("new-key")
def new_key() -> None:
    """Print a new Fernet key. Put it first in YTEMPIRE_YOUTUBE_TOKEN_KEYS (comma-separated)."""
    from ytempire.core.vault import Vault

    typer.echo(Vault.new_key())


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-seal every stored token and signing secret under the first key; then the older keys
    (and the local key file, ``<data_dir>/secrets.key``) can be dropped."""
    import sqlalchemy as sa

    from gateway.db import make_engine
    from gateway.models import InboundSource, Webhook, YouTubeConnection
    from ytempire.core.vault import Vault

    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    tokens, signing = Vault.from_settings(settings), Vault.for_signing_secrets(settings)
    counts = {"token": 0, "signing secret": 0}
    with engine.begin() as conn:
        for model, key, columns, vault, kind in (
                (YouTubeConnection, "channel_id", ("refresh_token_sealed",), tokens, "token"),
                (Webhook, "id", ("secret_sealed", "previous_secret_sealed"), signing,
                 "signing secret"),
                (InboundSource, "id", ("secret_sealed",), signing, "signing secret")):
            table = cast(sa.Table, model.__table__)
            for row in conn.execute(sa.select(table.c[key], *(table.c[c] for c in columns))):
                values = {c: vault.rotate(v) for c, v in zip(columns, row[1:], strict=True)
                          if v is not None}
                if values:
                    conn.execute(sa.update(table).where(table.c[key] == row[0]).values(values))
                    counts[kind] += len(values)
    typer.echo(f"re-sealed {counts['token']} token(s) and {counts['signing secret']} signing "
               "secret(s) under the first key")
