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
    email: Annotated[str | None, typer.Option(
        help="Lets the user sign in to the web app; asks for a password")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (scripts)")] = False,
) -> None:
    """Create a user and print its first API key (shown once; only its hash is kept).

    With ``--email`` the user can also sign in to the web app: the password is asked for (or
    read from standard input with ``--password-stdin``), never taken from the command line.
    """
    from gateway.db import make_engine, make_sessionmaker
    from gateway.identity import UserExists, create_user
    from gateway.migrate import upgrade

    password_hash, address = None, None
    if email is not None:
        password_hash, address = _password_hash(password_stdin), email.strip().lower()
        if "@" not in address:
            typer.echo(f"error: {email!r} is not an email address", err=True)
            raise typer.Exit(2)
    elif password_stdin:
        typer.echo("error: --password-stdin needs --email (the web app's sign-in name)",
                   err=True)
        raise typer.Exit(2)
    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as db:
        try:
            user, issued = create_user(db, name, tier, admin=admin, email=address,
                                       password_hash=password_hash)
        except UserExists as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    engine.dispose()
    role = ", admin" if admin else ""
    typer.echo(f"user {user.name} ({user.id}), tier {user.tier}{role}", err=True)
    typer.echo(issued.secret)


@users_app.command("password")
def set_password(
    name: Annotated[str, typer.Argument(help="The user's name")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (scripts)")] = False,
) -> None:
    """Set a user's web sign-in password (asked for, or read from standard input) and sign out
    all of their browser sessions; the user must have an email."""
    from sqlalchemy import select

    from gateway import sessions
    from gateway.db import make_engine, make_sessionmaker
    from gateway.migrate import upgrade
    from gateway.models import User

    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as db:
        user = db.scalar(select(User).where(User.name == name))
        if user is None or user.email is None:
            typer.echo(f"error: no user {name!r} with an email (users create NAME --email ...)",
                       err=True)
            raise typer.Exit(1)
        user.password_hash = _password_hash(password_stdin)
        sessions.revoke_others(db, user.id, keep=None)
        db.commit()
    engine.dispose()
    typer.echo(f"password of {name} set; their browser sessions are signed out", err=True)


def _password_hash(from_stdin: bool) -> str:
    """Read a password (stdin's first line, or a hidden prompt asked twice) and hash it."""
    import sys

    from gateway.passwords import hash_password

    password = (sys.stdin.readline().rstrip("\r\n") if from_stdin
                else typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    if not 10 <= len(password) <= 256:
        typer.echo("error: the password must have 10 to 256 characters", err=True)
        raise typer.Exit(2)
    return hash_password(password)
