"""Connecting a channel to YouTube: Google's OAuth 2.0 web-server flow with PKCE and state.

``start`` answers the consent URL and keeps the state (hashed) and the PKCE verifier (sealed) on
the channel's ``youtube_connections`` row for ten minutes; ``finish`` (Google sends the owner
back to the callback) exchanges the code, asks YouTube which channel the grant speaks for
(``channels.list(mine=true)``) and stores the refresh token sealed with the vault. The token is
never logged, returned, or put on an event. ``disconnect`` revokes the grant at Google and
forgets it. A channel can instead be "local only": its videos go to the local channel folder.
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

from google_auth_oauthlib.flow import Flow
from googleapiclient.errors import HttpError
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway import channels
from gateway.errors import Conflict, GatewayError, NotFound
from gateway.identity import Principal
from gateway.models import Channel, YouTubeConnection
from ytempire.core.google import BASE_SCOPES, GOOGLE_TOKEN_URI, MONETARY, client
from ytempire.core.logging import get_logger
from ytempire.core.settings import Settings
from ytempire.core.vault import Vault, VaultLocked

log = get_logger("ytempire.gateway.youtube")

STATE_TTL = timedelta(minutes=10)


class ConsentRefused(GatewayError):
    """Google (or the owner) did not give what a connection needs; the message says what."""

    status_code = 400


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _vault(settings: Settings) -> Vault:
    try:
        return Vault.from_settings(settings)
    except VaultLocked as exc:
        raise Conflict(f"YouTube connections are not configured on this server: {exc}") from None


def _flow(settings: Settings, scopes: list[str], verifier: str | None = None) -> Flow:
    if not settings.youtube_client_id or settings.youtube_client_secret is None:
        raise Conflict("YouTube connections are not configured on this server: set "
                       "YTEMPIRE_YOUTUBE_CLIENT_ID and YTEMPIRE_YOUTUBE_CLIENT_SECRET (a Google "
                       "OAuth web client)")
    token_uri = settings.youtube_token_uri or GOOGLE_TOKEN_URI
    # oauthlib refuses plain HTTP token endpoints unless told; only a local one (a test or a
    # local proxy) is allowed. Granular consent may grant fewer scopes than asked (monetary).
    if urllib.parse.urlsplit(token_uri).hostname in ("127.0.0.1", "localhost"):
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
    config = {"web": {"client_id": settings.youtube_client_id,
                      "client_secret": settings.youtube_client_secret.get_secret_value(),
                      "auth_uri": settings.youtube_auth_uri, "token_uri": token_uri,
                      "redirect_uris": [settings.youtube_redirect_uri]}}
    return Flow.from_client_config(config, scopes=scopes,
                                   redirect_uri=settings.youtube_redirect_uri,
                                   code_verifier=verifier,
                                   autogenerate_code_verifier=verifier is None)


def connection(db: Session, channel_id: str) -> YouTubeConnection:
    row = db.get(YouTubeConnection, channel_id)
    if row is None:
        row = YouTubeConnection(channel_id=channel_id, local_only=False,
                                status="not_connected", youtube_channel_title="", scopes="")
        db.add(row)
    return row


def status(db: Session, principal: Principal, channel_id: str) -> YouTubeConnection:
    channels.get(db, principal, channel_id)
    return db.get(YouTubeConnection, channel_id) or YouTubeConnection(
        channel_id=channel_id, local_only=False, status="not_connected",
        youtube_channel_title="", scopes="")


def start(db: Session, settings: Settings, principal: Principal, channel_id: str,
          monetary: bool) -> str:
    """The URL the owner opens to consent; valid for ten minutes."""
    channels.get(db, principal, channel_id, active=True)
    vault = _vault(settings)
    flow = _flow(settings, [*BASE_SCOPES, *([MONETARY] if monetary else [])])
    url, state = flow.authorization_url(access_type="offline", prompt="consent",
                                        include_granted_scopes="true")
    row = connection(db, channel_id)
    row.state_hash = _hash(state)
    row.verifier_sealed = vault.seal(str(flow.code_verifier))
    row.state_expires_at = datetime.now(UTC) + STATE_TTL
    db.commit()
    return str(url)


def finish(db: Session, settings: Settings, state: str, code: str | None,
           error: str | None) -> YouTubeConnection:
    """Google sent the owner back: bind the channel, or say why not."""
    row = db.scalar(select(YouTubeConnection).where(YouTubeConnection.state_hash == _hash(state)))
    if row is None or row.state_expires_at is None or row.verifier_sealed is None:
        raise NotFound("this connection attempt is unknown or was already used; start again "
                       "from the channel (POST /v1/channels/{id}/youtube/connect)")
    expired = row.state_expires_at < datetime.now(UTC)
    verifier = _vault(settings).open(row.verifier_sealed)
    row.state_hash = row.verifier_sealed = row.state_expires_at = None
    db.commit()
    if expired:
        raise ConsentRefused("this connection attempt expired (10 minutes); start again")
    if error or not code:
        raise ConsentRefused(f"Google did not authorize the connection ({error or 'no code'}); "
                             "nothing changed")
    flow = _flow(settings, list(BASE_SCOPES), verifier)
    try:
        flow.fetch_token(code=code)
    except (OAuth2Error, ValueError) as exc:
        raise ConsentRefused(f"Google refused the authorization code "
                             f"({getattr(exc, 'error', type(exc).__name__)}); start again") \
            from None
    granted = flow.oauth2session.token.get("scope") or []
    granted = granted.split() if isinstance(granted, str) else list(granted)
    missing = [s.rsplit("/", 1)[1] for s in BASE_SCOPES if s not in granted]
    if missing:
        raise ConsentRefused(f"the consent left out {', '.join(missing)}; connect again and "
                             "keep those boxes ticked")
    credentials = flow.credentials
    if not credentials.refresh_token:
        raise ConsentRefused("Google sent no refresh token; remove YTEMPIRE's access at "
                             "myaccount.google.com/permissions and connect again")
    youtube_id, title = _bound_channel(settings, credentials)
    row.status, row.local_only = "connected", False
    row.youtube_channel_id, row.youtube_channel_title = youtube_id, title
    row.scopes = " ".join(sorted(granted))
    row.refresh_token_sealed = _vault(settings).seal(credentials.refresh_token)
    row.connected_at, row.last_error = datetime.now(UTC), None
    _resend(db, row.channel_id)
    db.commit()
    log.info("youtube.connected", channel_id=row.channel_id, youtube_channel_id=youtube_id,
             scopes=row.scopes)
    return row


def _bound_channel(settings: Settings, credentials: object) -> tuple[str, str]:
    youtube = client("youtube", "v3", credentials, settings.youtube_api_base_url,  # type: ignore[arg-type]
                     settings.provider_timeout_s)
    try:
        answer = youtube.channels().list(part="snippet", mine=True).execute()
    except HttpError as exc:
        raise ConsentRefused(f"YouTube did not say which channel this account owns "
                             f"(HTTP {exc.resp.status}); try again") from None
    items = answer.get("items") or []
    if not items or "id" not in items[0]:
        raise ConsentRefused("this Google account has no YouTube channel; create one, then "
                             "connect again")
    return str(items[0]["id"]), str(items[0].get("snippet", {}).get("title", ""))


def set_local_only(db: Session, principal: Principal, channel_id: str,
                   local_only: bool) -> YouTubeConnection:
    channels.get(db, principal, channel_id, active=True)
    row = connection(db, channel_id)
    row.local_only = local_only
    _resend(db, channel_id)
    db.commit()
    return row


def disconnect(db: Session, settings: Settings, principal: Principal,
               channel_id: str) -> YouTubeConnection:
    """Revoke the grant at Google (best effort: it may be revoked already) and forget it."""
    channels.get(db, principal, channel_id)
    row = connection(db, channel_id)
    if row.refresh_token_sealed:
        token = _vault(settings).open(row.refresh_token_sealed)
        try:
            body = urllib.parse.urlencode({"token": token}).encode()
            urllib.request.urlopen(urllib.request.Request(
                settings.youtube_revoke_uri, data=body, method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"}),
                timeout=settings.provider_timeout_s).close()
        except OSError as exc:
            log.warning("youtube.revoke_failed", channel_id=channel_id,
                        error=type(exc).__name__)
    row.status, row.refresh_token_sealed, row.scopes = "not_connected", None, ""
    row.youtube_channel_id, row.youtube_channel_title, row.connected_at = None, "", None
    _resend(db, channel_id)
    db.commit()
    return row


def _resend(db: Session, channel_id: str) -> None:
    """``channel.updated`` carries where the channel publishes: send the channel again (the
    route kicks the outbox once committed)."""
    db.execute(update(Channel).where(Channel.id == channel_id).values(event_pending=True))
