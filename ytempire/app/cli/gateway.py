"""``ytempire gateway`` (the HTTP API) and ``ytempire users create NAME`` (bootstrap access)."""

from __future__ import annotations

from typing import Annotated

import typer

from ytempire.core.settings import get_settings

users_app = typer.Typer(help="Gateway users and their API keys.", no_args_is_help=True)


@users_app.callback()
def users() -> None:
    """Gateway users and their API keys (a group, so ``users create`` keeps its name)."""


def gateway(
    host: Annotated[str | None, typer.Option(help="Default: YTEMPIRE_GATEWAY_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: YTEMPIRE_GATEWAY_PORT")] = None,
) -> None:
    """Serve the HTTP API (migrates the database first; docs at /docs)."""
    import uvicorn

    from gateway.app import create_app
    from gateway.config import GatewaySettings
    from ytempire.core.logging import configure

    settings, gw = get_settings(), GatewaySettings()
    configure(settings.log_format, settings.log_level)
    uvicorn.run(create_app(settings, gw), host=host or gw.host, port=port or gw.port,
                log_level=settings.log_level, access_log=False)


@users_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Unique user name")],
    tier: Annotated[str, typer.Option(help="Rate-limit tier: free or pro")] = "free",
    admin: Annotated[bool, typer.Option(
        "--admin", help="May call /v1/admin (dead letters, system-wide KPIs)")] = False,
) -> None:
    """Create a user and print its first API key (shown once; only its hash is kept)."""
    from gateway.db import make_engine, make_sessionmaker
    from gateway.identity import UserExists, create_user
    from gateway.migrate import upgrade

    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as db:
        try:
            user, issued = create_user(db, name, tier, admin=admin)
        except UserExists as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    engine.dispose()
    role = ", admin" if admin else ""
    typer.echo(f"user {user.name} ({user.id}), tier {user.tier}{role}", err=True)
    typer.echo(issued.secret)
