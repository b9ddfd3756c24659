"""Inbound webhooks: external systems (a content calendar, a CMS) request videos by POSTing
signed events to ``/v1/inbound/{source_id}``.

The signature (``YTEmpire-Signature``, the scheme our own webhooks use) is checked before
anything is stored, and every way of failing it (unknown source, no header, a malformed or
wrong or stale signature) gets the same 401, so a stranger learns nothing about which sources
exist. A verified event is stored, then acted on in the same transaction, so a crash leaves
both or neither. The sender's event id (or, without one, what was signed: the timestamp and
the body, never the header's spelling) makes repeats harmless: a repeat is answered with the
first outcome, and a rejected event is tried again (the budget may have been raised since).
"""

from __future__ import annotations

import hashlib
import json

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import channels, videos
from gateway.caps import TierCap
from gateway.errors import Conflict, GatewayError, NotFound, Unavailable, invalid
from gateway.identity import Principal
from gateway.models import InboundEvent, InboundSource, User
from gateway.outbox import RequestPublisher
from gateway.payloads.inbound import InboundPayload
from gateway.payloads.videos import VideoCreate
from gateway.signing import HEADER, BadSignature, verify
from ytempire.core.logging import get_logger
from ytempire.core.settings import Settings
from ytempire.core.vault import Vault, VaultLocked

log = get_logger()

UNSIGNED = (f"unknown inbound source, or a missing, malformed, wrong or stale {HEADER} "
            "header (t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>, signed when sent)")


class Unsigned(GatewayError):
    """Every way of failing authentication: indistinguishable on purpose."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__(UNSIGNED)


class NoChannel(GatewayError):
    status_code = 422


def owned(db: Session, principal: Principal, source_id: str) -> InboundSource:
    source = db.scalar(select(InboundSource).where(InboundSource.id == source_id,
                                                   InboundSource.owner_id == principal.user_id,
                                                   InboundSource.deleted_at.is_(None)))
    if source is None:
        raise NotFound(f"inbound source {source_id} not found")
    return source


def check_room(db: Session, principal: Principal, most: int) -> None:
    live = db.scalar(select(func.count()).select_from(InboundSource).where(
        InboundSource.owner_id == principal.user_id, InboundSource.deleted_at.is_(None)))
    if live >= most:
        raise Conflict(f"at most {most} inbound sources per user; delete one first")


def check_channel(db: Session, principal: Principal, channel_id: str | None) -> None:
    if channel_id is not None:
        channels.get(db, principal, channel_id)


def authenticate(db: Session, vault: Vault, source_id: str, header: str | None, body: bytes,
                 window_s: int) -> tuple[InboundSource, Principal, str]:
    """The source, whom it acts for, and the key of what was signed; raises Unsigned before
    anything is read. The source's secret is opened for this check only."""
    row = db.execute(select(InboundSource, User.tier).join(User)
                     .where(InboundSource.id == source_id,
                            InboundSource.deleted_at.is_(None))).first()
    if row is None or not header:
        raise Unsigned()
    source, tier = row
    try:
        ts = verify(vault.open(source.secret_sealed), header, body, window_s)
    except BadSignature:
        raise Unsigned() from None
    except VaultLocked as exc:  # the operator's to fix; the sender sees the one 401
        log.error("inbound.secret_locked", source_id=source.id, error=str(exc))
        raise Unsigned() from None
    signed = "sig:" + hashlib.sha256(f"{ts}.".encode() + body).hexdigest()
    return source, Principal(user_id=source.owner_id, key_id=source.id, tier=tier), signed


def parse(body: bytes) -> InboundPayload:
    try:
        return InboundPayload.model_validate(json.loads(body))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise invalid(exc) from None
        raise invalid(ValidationError.from_exception_data("InboundPayload", [
            {"type": "json_invalid", "loc": (), "input": body[:100].decode(errors="replace"),
             "ctx": {"error": str(exc)}}])) from None


def receive(db: Session, source: InboundSource, principal: Principal, signed: str,
            payload: InboundPayload, settings: Settings, cap: TierCap | None = None
            ) -> tuple[InboundEvent, GatewayError | None]:
    """Store the event and act on it, committed together; the record and why it was rejected.
    ``signed`` keys an event without an id of its own."""
    key = payload.id or signed
    event = db.scalar(select(InboundEvent).where(InboundEvent.source_id == source.id,
                                                 InboundEvent.event_key == key))
    if event is not None and event.status == "accepted":
        return event, None
    if event is None:
        event = InboundEvent(source_id=source.id, owner_id=source.owner_id, event_key=key,
                             type=payload.type, payload=payload.model_dump(mode="json"),
                             status="accepted")
        db.add(event)
    rejected: GatewayError | None = None
    try:
        channel_id = payload.data.channel_id or source.channel_id
        if channel_id is None:
            raise NoChannel("data.channel_id is required: this source has no default channel")
        body = VideoCreate(**{**payload.data.model_dump(exclude_unset=True),
                              "channel_id": channel_id})
        # create() checks everything before it adds a row, so a rejection leaves nothing behind
        [video] = videos.create(db, principal, [body], f"inbound:{source.id}:{key}",
                                settings=settings, cap=cap)
        event.status, event.video_id, event.error = "accepted", video.id, None
    except GatewayError as exc:
        rejected = exc
        event.status, event.error = "rejected", f"{type(exc).__name__}: {exc}"
    db.commit()
    return event, rejected


def send(db: Session, publisher: RequestPublisher, principal: Principal,
         event: InboundEvent) -> None:
    """Publish the video's request now; if the broker is away the outbox sends it later."""
    if event.video_id is None:
        return
    try:
        videos.send_unsent(db, publisher, videos.by_ids(db, principal, [event.video_id]))
    except Unavailable:
        db.rollback()
