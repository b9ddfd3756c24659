"""``ytempire youtube new-key | rotate-keys``: the keys that seal stored YouTube refresh tokens."""

from __future__ import annotations

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
    """Re-seal every stored token under the first key; then the older keys can be dropped."""
    import sqlalchemy as sa

    from gateway.db import make_engine
    from gateway.models import YouTubeConnection
    from ytempire.core.vault import Vault

    settings = get_settings()
    vault = Vault.from_settings(settings)
    engine = make_engine(settings.effective_database_url)
    table = YouTubeConnection.__table__
    count = 0
    with engine.begin() as conn:
        for row in conn.execute(sa.select(table.c.channel_id, table.c.refresh_token_sealed)
                                .where(table.c.refresh_token_sealed.is_not(None))):
            conn.execute(sa.update(table).where(table.c.channel_id == row.channel_id)
                         .values(refresh_token_sealed=vault.rotate(row.refresh_token_sealed)))
            count += 1
    typer.echo(f"re-sealed {count} token(s) under the first key")
