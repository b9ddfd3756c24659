"""Webhooks: register an endpoint for chosen event types, list, delete, rotate the secret, read
the delivery log."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from gateway import webhook_test, webhooks
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.errors import Conflict, NotFound, Unprocessable
from gateway.idempotency import IdempotencyKey, run_once
from gateway.models import Webhook, WebhookDelivery
from gateway.payloads.webhooks import DeliveryOut, WebhookCreate, WebhookIssued, WebhookOut
from ytempire.core import egress

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def owned_webhook(webhook_id: str, db: DB, principal: CurrentUser) -> Webhook:
    hook = db.scalar(select(Webhook).where(Webhook.id == webhook_id,
                                           Webhook.owner_id == principal.user_id,
                                           Webhook.deleted_at.is_(None)))
    if hook is None:
        raise NotFound(f"webhook {webhook_id} not found")
    return hook


OwnedWebhook = Annotated[Webhook, Depends(owned_webhook)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookIssued)
def create_webhook(request: Request, body: WebhookCreate, db: DB, principal: CurrentUser,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """The URL must reach a public address (checked now and before every delivery); the
    signing secret is in this response only."""
    gateway = request.app.state.gateway

    def effect() -> tuple[int, WebhookIssued]:
        try:
            egress.check(str(body.url), request.app.state.resolve,
                         egress.networks(gateway.egress_allow))
        except egress.Refused as exc:
            raise Unprocessable(f"url: {exc}") from None
        live = db.scalar(select(func.count()).select_from(Webhook).where(
            Webhook.owner_id == principal.user_id, Webhook.deleted_at.is_(None)))
        if live >= gateway.webhooks_per_user:
            raise Conflict(f"at most {gateway.webhooks_per_user} webhooks per user; delete one "
                           "first")
        secret = new_secret()
        hook = Webhook(owner_id=principal.user_id, url=str(body.url), events=list(body.events),
                       secret_sealed=request.app.state.vault.seal(secret))
        db.add(hook)
        db.flush()
        return 201, issued(hook, secret)

    return run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect,
                    secret_fields=("secret",))


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def issued(hook: Webhook, secret: str) -> WebhookIssued:
    """The webhook with its secret in clear: the only place it is, once (the row holds it
    sealed)."""
    return WebhookIssued(**WebhookOut.model_validate(hook).model_dump(), secret=secret)


@router.get("", response_model=list[WebhookOut])
def list_webhooks(db: DB, principal: CurrentUser) -> list[Webhook]:
    return list(db.scalars(select(Webhook).where(Webhook.owner_id == principal.user_id,
                                                 Webhook.deleted_at.is_(None))
                           .order_by(Webhook.created_at)))


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(hook: OwnedWebhook, db: DB) -> None:
    """Nothing more is sent to it, retries of earlier events included."""
    hook.deleted_at = datetime.now(UTC)
    webhooks.abandon(db, hook)
    db.commit()


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookIssued,
             responses={404: {"description": "No such webhook of yours"}})
def rotate_secret(request: Request, hook: OwnedWebhook, db: DB, principal: CurrentUser,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """A new signing secret, in this response only. For the overlap window
    (``webhook_secret_overlap_s``, a day by default) deliveries carry a signature by the old
    secret too, so the receiver can switch without losing any."""
    overlap = timedelta(seconds=request.app.state.gateway.webhook_secret_overlap_s)

    def effect() -> tuple[int, WebhookIssued]:
        secret = new_secret()
        hook.previous_secret_sealed = hook.secret_sealed
        hook.secret_sealed = request.app.state.vault.seal(secret)
        hook.previous_secret_until = datetime.now(UTC) + overlap
        db.flush()
        return 200, issued(hook, secret)

    return run_once(db, principal, idempotency_key, "POST", request.url.path, None, effect,
                    secret_fields=("secret",))


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(hook: OwnedWebhook, db: DB,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[WebhookDelivery]:
    """Newest first: what was sent, how often, and how the endpoint answered."""
    return list(db.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                           .order_by(WebhookDelivery.id.desc()).limit(limit)))


@router.post("/{webhook_id}/test", status_code=status.HTTP_202_ACCEPTED,
             response_model=DeliveryOut)
def test_webhook(hook: OwnedWebhook, db: DB) -> WebhookDelivery:
    """Send a signed ``webhook.test`` event to the endpoint now (in the background, with the
    usual retries); watch its outcome in the deliveries."""
    return webhook_test.queue_test(db, hook)
