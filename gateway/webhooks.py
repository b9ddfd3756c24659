"""Webhook deliveries: queued in the same transaction as the video event they announce,
then POSTed by a thread with signed bodies, retried with exponential backoff and jitter, and
logged per attempt outcome."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import GatewaySettings
from gateway.models import VideoEvent, Webhook, WebhookDelivery
from gateway.signing import HEADER, sign
from ytempire.core.logging import get_logger

log = get_logger()


def enqueue(db: Session, event: VideoEvent) -> None:
    """A pending delivery for every live webhook of the owner that chose this event type."""
    enqueue_event(db, event.owner_id, event.event_id, event.topic, event.occurred_at, event.data)


def enqueue_event(db: Session, owner_id: str, event_id: str, event_type: str,
                  occurred_at: datetime, data: dict[str, Any]) -> None:
    hooks = db.scalars(select(Webhook).where(Webhook.owner_id == owner_id,
                                             Webhook.deleted_at.is_(None)))
    for hook in hooks:
        if event_type in hook.events or "*" in hook.events:
            db.add(WebhookDelivery(
                webhook_id=hook.id, event_id=event_id, event_type=event_type,
                payload={"id": event_id, "type": event_type,
                         "occurred_at": occurred_at.isoformat(), "data": data}))


class Deliverer:
    def __init__(self, sessions: sessionmaker[Session], settings: GatewaySettings,
                 every_s: float = 0.5) -> None:
        self._sessions, self._settings, self._every = sessions, settings, every_s
        self._http = httpx.Client(timeout=settings.webhook_timeout_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)
        self._http.close()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                while self.deliver_due() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("webhooks.round_failed")

    def deliver_due(self, limit: int = 50) -> int:
        with self._sessions() as db:
            due = db.execute(
                select(WebhookDelivery, Webhook).join(Webhook)
                .where(WebhookDelivery.status == "pending",
                       WebhookDelivery.next_attempt_at <= datetime.now(UTC))
                .order_by(WebhookDelivery.id).limit(limit)).all()
            for delivery, hook in due:
                self._attempt(delivery, hook)
                db.commit()
            return len(due)

    def _attempt(self, delivery: WebhookDelivery, hook: Webhook) -> None:
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        delivery.attempts += 1
        try:
            response = self._http.post(hook.url, content=body, headers={
                "Content-Type": "application/json", HEADER: sign(hook.secret, body),
                "YTEmpire-Event": delivery.event_type, "YTEmpire-Delivery": str(delivery.id)})
            delivery.last_status_code, delivery.last_error = response.status_code, None
            ok = response.is_success
            if not ok:
                delivery.last_error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, delivery.last_error = False, f"{type(exc).__name__}: {exc}"[:500]
        now = datetime.now(UTC)
        if ok:
            delivery.status, delivery.delivered_at = "delivered", now
        elif delivery.attempts >= self._settings.webhook_max_attempts:
            delivery.status = "failed"
        else:
            backoff = self._settings.webhook_backoff_base_s * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = now + timedelta(seconds=backoff * random.uniform(0.8, 1.2))
