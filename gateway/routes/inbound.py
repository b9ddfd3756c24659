"""Inbound webhooks: sources (managed with an API key) and the signed receiver they post to."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic.json_schema import models_json_schema
from sqlalchemy import select

from gateway import inbound
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.idempotency import IdempotencyKey, run_once
from gateway.models import InboundEvent, InboundSource
from gateway.payloads.inbound import (
    InboundEventOut,
    InboundPayload,
    InboundSourceCreate,
    InboundSourceIssued,
    InboundSourceOut,
)
from gateway.signing import HEADER

router = APIRouter(tags=["inbound"])


def owned_source(source_id: str, db: DB, principal: CurrentUser) -> InboundSource:
    return inbound.owned(db, principal, source_id)


OwnedSource = Annotated[InboundSource, Depends(owned_source)]


@router.post("/inbound-sources", status_code=status.HTTP_201_CREATED,
             response_model=InboundSourceIssued)
def create_source(request: Request, body: InboundSourceCreate, db: DB, principal: CurrentUser,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """An external system that may request videos; give it the secret and the receive URL."""
    def effect() -> tuple[int, InboundSourceIssued]:
        inbound.check_channel(db, principal, body.channel_id)
        inbound.check_room(db, principal, request.app.state.gateway.inbound_sources_per_user)
        secret = "whsec_" + secrets.token_urlsafe(32)
        source = InboundSource(owner_id=principal.user_id, name=body.name,
                               channel_id=body.channel_id,
                               secret_sealed=request.app.state.vault.seal(secret))
        db.add(source)
        db.flush()
        url = str(request.url_for("receive_inbound", source_id=source.id))
        return 201, InboundSourceIssued(id=source.id, name=source.name,
                                        channel_id=source.channel_id,
                                        created_at=source.created_at, secret=secret,
                                        receive_url=url)

    return run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect,
                    secret_fields=("secret",))


@router.get("/inbound-sources", response_model=list[InboundSourceOut])
def list_sources(db: DB, principal: CurrentUser) -> list[InboundSource]:
    return list(db.scalars(select(InboundSource).where(
        InboundSource.owner_id == principal.user_id, InboundSource.deleted_at.is_(None))
        .order_by(InboundSource.created_at)))


@router.delete("/inbound-sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(source: OwnedSource, db: DB) -> None:
    """From now on the source's deliveries are refused (401)."""
    source.deleted_at = datetime.now(UTC)
    db.commit()


@router.get("/inbound-sources/{source_id}/events", response_model=list[InboundEventOut])
def list_source_events(source: OwnedSource, db: DB,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[InboundEvent]:
    """Newest first: what the source sent and what came of it."""
    return list(db.scalars(select(InboundEvent).where(InboundEvent.source_id == source.id)
                           .order_by(InboundEvent.id.desc()).limit(limit)))


def _receive(request: Request, source_id: str, signature: str | None,
             body: bytes) -> JSONResponse:
    window = request.app.state.gateway.webhook_replay_window_s
    with request.app.state.sessions() as db:
        source, principal, signed = inbound.authenticate(db, request.app.state.vault, source_id,
                                                         signature, body, window)
        request.state.principal = principal
        request.state.quota = request.app.state.limiter.check(principal)
        payload = inbound.parse(body)
        event, rejected = inbound.receive(
            db, source, principal, signed, payload, request.app.state.settings,
            request.app.state.gateway.tier_caps.get(principal.tier))
        if rejected is not None:
            raise rejected
        inbound.send(db, request.app.state.publisher, principal, event)
        doc = InboundEventOut.model_validate(event).model_dump(mode="json")
    return JSONResponse(doc, status_code=202)


@router.post(
    "/inbound/{source_id}", status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundEventOut,
    responses={401: {"description": "Unknown source, or a missing, malformed, wrong or stale "
                                    "signature (one answer for all)"},
               413: {"description": "Body over the inbound limit (64 KiB by default)"}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/InboundPayload"}}}}})
async def receive_inbound(
        request: Request, source_id: str,
        signature: Annotated[str | None, Header(alias=HEADER, description=(
            "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>' with the source's secret>"))]
        = None) -> JSONResponse:
    """Authenticated by the signature, not an API key. ``video.requested`` creates a video
    (202, its id in ``video_id``); a repeat of the same event id answers the first outcome."""
    body = await request.body()
    return await run_in_threadpool(_receive, request, source_id, signature, body)


def document(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add the receiver's body schema: it reads raw bytes (the signature covers them), so FastAPI
    does not know the model the requestBody above refers to."""
    _, defs = models_json_schema([(InboundPayload, "validation")],
                                 ref_template="#/components/schemas/{model}")
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
    return openapi
