"""Which grant a channel acts through, read where the gateway keeps it.

Why the stages read the gateway's database (``youtube_connections``) rather than receive the
token: a refresh token must never travel on Kafka (topics are kept for weeks and replayed) or
sit in a file; the row holds it sealed (``ytempire.core.vault``), and the stages that act for a
channel (publisher, metrics collector) open it with the same keys, in memory, per call. When
Google refuses the grant (``invalid_grant``: revoked, or the user removed our access) the row
turns ``reconnect_needed``, which the channel shows.

Headless installs can still place an authorized-user file ``<credentials_dir>/<channel>.json``
(operator-placed): it is used when the channel has no connected row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials

from processors.providers.google import credentials as oauth
from ytempire.core.google import GOOGLE_TOKEN_URI, MONETARY, publish_target
from ytempire.core.settings import Settings
from ytempire.core.vault import Vault, VaultLocked
from ytempire.stage import PermanentError, TransientError

CONNECTIONS = sa.table(
    "youtube_connections",
    sa.column("channel_id", sa.String), sa.column("local_only", sa.Boolean),
    sa.column("status", sa.String), sa.column("youtube_channel_id", sa.String),
    sa.column("scopes", sa.Text), sa.column("refresh_token_sealed", sa.Text),
    sa.column("updated_at", sa.DateTime(timezone=True)), sa.column("last_error", sa.Text))

CHANNELS = sa.table("channels", sa.column("id", sa.String),
                    sa.column("event_pending", sa.Boolean),
                    sa.column("updated_at", sa.DateTime(timezone=True)))
"""The gateway's channels, as far as sending one again goes (``gateway.channel_events``)."""

MODES = ("youtube", "local_only", "not_connected", "reconnect_needed")


@dataclass(frozen=True)
class Link:
    """How a channel publishes now: ``mode`` is one of ``MODES``."""

    channel_id: str
    mode: str
    youtube_channel_id: str | None = None
    scopes: tuple[str, ...] = ()
    credentials: Credentials | None = None

    @property
    def monetary(self) -> bool:
        return MONETARY in self.scopes


class Connections:
    """Reads ``youtube_connections`` (when a gateway database is configured) and operator files."""

    def __init__(self, database_url: str | None, vault: Vault | None, client_id: str,
                 client_secret: str, token_uri: str | None,
                 credentials_dir: Path | None = None) -> None:
        self.engine = sa.create_engine(_psycopg(database_url)) if database_url else None
        self.vault = vault
        self.client_id, self.client_secret = client_id, client_secret
        self.token_uri = token_uri or GOOGLE_TOKEN_URI
        self.credentials_dir = credentials_dir

    @classmethod
    def from_settings(cls, settings: Settings) -> Connections:
        url = settings.database_url or (
            settings.effective_database_url
            if (settings.data_dir / "gateway.db").exists() else None)
        try:
            vault: Vault | None = Vault.from_settings(settings)
        except VaultLocked:
            vault = None
        secret = settings.youtube_client_secret.get_secret_value() \
            if settings.youtube_client_secret else ""
        return cls(url, vault, settings.youtube_client_id, secret, settings.youtube_token_uri,
                   settings.youtube_credentials_dir)

    def link(self, channel_id: str) -> Link:
        row = self._row(channel_id)
        if publish_target(channel_id, bool(row is not None and row.local_only),
                          row.status if row is not None else "not_connected") == "local":
            return Link(channel_id, "local_only")
        if row is not None and row.status == "connected" and row.refresh_token_sealed:
            scopes = tuple(row.scopes.split())
            return Link(channel_id, "youtube", row.youtube_channel_id, scopes,
                        self._credentials(row.refresh_token_sealed, scopes))
        file = self._file(channel_id)
        if file is not None:
            try:
                credentials = oauth.from_file(file)
            except (OSError, ValueError) as exc:
                raise NotConnected(f"YouTube credentials for channel {channel_id} at {file} are "
                                   f"unreadable ({type(exc).__name__}); re-authorize the "
                                   "channel") from None
            return Link(channel_id, "youtube", None, tuple(credentials.scopes or ()),
                        oauth.with_token_uri(credentials, self.token_uri))
        if row is not None and row.status == "reconnect_needed":
            return Link(channel_id, "reconnect_needed", row.youtube_channel_id)
        return Link(channel_id, "not_connected")

    def connected(self) -> list[Link]:
        """Every channel connected through the product (the metrics collector's list)."""
        if self.engine is None:
            return []
        with self.engine.connect() as conn:
            ids = conn.execute(sa.select(CONNECTIONS.c.channel_id).where(
                CONNECTIONS.c.status == "connected", CONNECTIONS.c.local_only.is_(False))
            ).scalars().all()
        return [link for link in map(self.link, sorted(ids)) if link.mode == "youtube"]

    def reconnect_needed(self, channel_id: str, error: str) -> None:
        """Google refused the grant: the channel must be connected again by its owner.

        The one place a stage changes a connection: in the same transaction the channel is
        marked for the gateway's outbox, which sends ``channel.updated`` (publish target
        ``nowhere``) within seconds, so the scheduler stops counting on YouTube for it. Only
        the change is sent: a second stage meeting the same refusal marks nothing."""
        if self.engine is None:
            return
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            changed = conn.execute(
                sa.update(CONNECTIONS).where(CONNECTIONS.c.channel_id == channel_id,
                                             CONNECTIONS.c.status != "reconnect_needed")
                .values(status="reconnect_needed", refresh_token_sealed=None,
                        last_error=error[:500], updated_at=now)).rowcount
            if changed:
                _resend_channel(conn, channel_id, now)

    def _row(self, channel_id: str) -> sa.Row[Any] | None:
        if self.engine is None:
            return None
        try:
            with self.engine.connect() as conn:
                return conn.execute(sa.select(CONNECTIONS).where(
                    CONNECTIONS.c.channel_id == channel_id)).first()
        except sa.exc.OperationalError:
            return None  # no gateway tables (a pipeline run without a gateway)

    def _credentials(self, sealed: str, scopes: tuple[str, ...]) -> Credentials:
        if self.vault is None:
            raise VaultLocked("a channel is connected but YTEMPIRE_YOUTUBE_TOKEN_KEYS is not set "
                              "for this process; give it the gateway's keys")
        return oauth.from_refresh_token(self.vault.open(sealed), token_uri=self.token_uri,
                                        client_id=self.client_id,
                                        client_secret=self.client_secret, scopes=list(scopes))

    def _file(self, channel_id: str) -> Path | None:
        if self.credentials_dir is None:
            return None
        path = self.credentials_dir / f"{channel_id}.json"
        return path if path.is_file() else None


def _resend_channel(conn: sa.Connection, channel_id: str, now: datetime) -> None:
    """Mark the channel for the gateway's outbox under a new version (later than the last,
    whatever this machine's clock says): ``channel.updated`` is then sent as it is now."""
    version = conn.execute(sa.select(CHANNELS.c.updated_at).where(
        CHANNELS.c.id == channel_id)).scalar()
    if version is None:
        return
    version = version.replace(tzinfo=UTC) if version.tzinfo is None else version
    later = now if now > version else version + timedelta(microseconds=1)
    conn.execute(sa.update(CHANNELS).where(CHANNELS.c.id == channel_id)
                 .values(event_pending=True, updated_at=later))


def _psycopg(url: str) -> str:
    """PostgreSQL through psycopg 3 (the driver installed), as the gateway connects."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class NotConnected(PermanentError):
    """The channel has no usable grant: its owner must connect (or reconnect) it."""


def refreshed(connections: Connections, link: Link) -> Credentials:
    """``link``'s credentials with a fresh access token. Google refusing the grant
    (``invalid_grant``) turns the channel ``reconnect_needed`` and raises ``NotConnected``; a
    token endpoint that cannot be reached is transient."""
    if link.credentials is None:
        raise NotConnected(f"channel {link.channel_id} is {link.mode.replace('_', ' ')}")
    try:
        oauth.refresh(link.credentials)
    except RefreshError as exc:
        if "invalid_grant" not in str(exc):
            raise TransientError(f"the token endpoint refused a refresh ({exc.args[0]!s:.200})"
                                 ) from None
        connections.reconnect_needed(link.channel_id, "Google revoked the grant (invalid_grant)")
        raise NotConnected(f"channel {link.channel_id}: Google revoked its YouTube grant "
                           "(invalid_grant); the owner must reconnect it") from None
    except TransportError as exc:
        raise TransientError(f"the token endpoint did not answer ({type(exc).__name__})"
                             ) from None
    return link.credentials
