"""Inbound webhooks: external systems (a content calendar, a CMS) request videos by POSTing
signed events to ``/v1/inbound/{source_id}``.

The signature (``YTEmpire-Signature``, the scheme our own webhooks use) is checked before
anything is stored; a verified event is stored, then acted on in the same transaction, so a
crash leaves both or neither. The sender's event id (or, without one, the signature itself)
makes repeats harmless: a repeat is answered with the first outcome, and a rejected event is
tried again (the budget may have been raised since).
"""

from __future__ import annotations

import hashlib
import json

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import channels, videos
from gateway.errors import GatewayError, NotFound, Unavailable, invalid
from gateway.identity import Principal
from gateway.models import InboundEvent, InboundSource, User
from gateway.outbox import RequestPublisher
from gateway.payloads import InboundPayload, VideoCreate
from gateway.signing import HEADER, BadSignature, StaleSignature, verify
from ytempire.core.settings import Settings


class Unsigned(GatewayError):
    """Unknown source, missing or wrong signature: indistinguishable on purpose."""

    status_code = 401


class Stale(GatewayError):
    status_code = 400


class NoChannel(GatewayError):
    status_code = 422


def owned(db: Session, principal: Principal, source_id: str) -> InboundSource:
    source = db.scalar(select(InboundSource).where(InboundSource.id == source_id,
                                                   InboundSource.owner_id == principal.user_id,
                                                   InboundSource.deleted_at.is_(None)))
    if source is None:
        raise NotFound(f"inbound source {source_id} not found")
    return source


def check_channel(db: Session, principal: Principal, channel_id: str | None) -> None:
    if channel_id is not None:
        channels.get(db, principal, channel_id)


def authenticate(db: Session, source_id: str, header: str | None, body: bytes,
                 window_s: int) -> tuple[InboundSource, Principal]:
    """The source and whom it acts for; raises Unsigned or Stale before anything is read."""
    row = db.execute(select(InboundSource, User.tier).join(User)
                     .where(InboundSource.id == source_id,
                            InboundSource.deleted_at.is_(None))).first()
    if row is None or not header:
        raise Unsigned(f"unknown inbound source or missing {HEADER} header")
    source, tier = row
    try:
        verify(source.secret, header, body, window_s)
    except StaleSignature as exc:
        raise Stale(str(exc)) from None
    except BadSignature as exc:
        raise Unsigned(str(exc)) from None
    return source, Principal(user_id=source.owner_id, key_id=source.id, tier=tier)


def parse(body: bytes) -> InboundPayload:
    try:
        return InboundPayload.model_validate(json.loads(body))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise invalid(exc) from None
        raise invalid(ValidationError.from_exception_data("InboundPayload", [
            {"type": "json_invalid", "loc": (), "input": body[:100].decode(errors="replace"),
             "ctx": {"error": str(exc)}}])) from None


def receive(db: Session, source: InboundSource, principal: Principal, header: str,
            payload: InboundPayload, settings: Settings
            ) -> tuple[InboundEvent, GatewayError | None]:
    """Store the event and act on it, committed together; the record and why it was rejected."""
    key = payload.id or "sig:" + hashlib.sha256(header.encode()).hexdigest()
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
                                settings=settings)
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
