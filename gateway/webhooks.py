"""Webhook deliveries: queued in the same transaction as the video event they announce,
then POSTed by a pool of senders with signed bodies, retried with exponential backoff and
jitter, and logged per attempt outcome.

No tenant can stall another's deliveries: each attempt has one deadline for all of it
(``ytempire.core.egress``), and an owner has at most one attempt in flight, the owners served
least recently first, so a slow or dead endpoint delays only its
own owner. Every attempt checks the URL again (public addresses only, pinned), and a deleted
webhook is never attempted again. The owner's log says "HTTP 503" or "no answer", never the
text of a connection error (which would map the network behind the endpoint).
"""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import GatewaySettings
from gateway.models import VideoEvent, Webhook, WebhookDelivery
from gateway.signing import HEADER, sign
from ytempire.core import egress
from ytempire.core.logging import get_logger
from ytempire.core.vault import Vault

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


def secrets_of(hook: Webhook, now: datetime, vault: Vault) -> list[str]:
    """The secrets a delivery is signed with, opened for it: the current one, and the previous
    one while the rotation's overlap lasts."""
    live = [hook.secret_sealed]
    if (hook.previous_secret_sealed and hook.previous_secret_until
            and hook.previous_secret_until > now):
        live.append(hook.previous_secret_sealed)
    return [vault.open(sealed) for sealed in live]


def abandon(db: Session, hook: Webhook) -> None:
    """A deleted webhook's pending deliveries fail now instead of being retried."""
    db.execute(update(WebhookDelivery)
               .where(WebhookDelivery.webhook_id == hook.id,
                      WebhookDelivery.status == "pending")
               .values(status="failed", last_error="webhook deleted"))


class Deliverer:
    """A dispatcher thread hands due deliveries to a pool of senders, fairly between owners."""

    def __init__(self, sessions: sessionmaker[Session], settings: GatewaySettings, vault: Vault,
                 resolve: egress.Resolver = egress.system_resolver, every_s: float = 0.2) -> None:
        self._sessions, self._settings, self._every = sessions, settings, every_s
        self._vault = vault
        self._resolve, self._allow = resolve, egress.networks(settings.egress_allow)
        self._senders = settings.webhook_senders
        self._pool = ThreadPoolExecutor(self._senders, thread_name_prefix="gateway-webhook")
        self._in_flight: set[str] = set()  # owners with an attempt running
        self._served: dict[str, float] = {}  # owner -> when it last got a sender
        self._lock = threading.Lock()
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(15)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._every)
            self._wake.clear()
            try:
                self.dispatch()
            except Exception:
                log.exception("webhooks.dispatch_failed")

    def dispatch(self) -> int:
        """Start the oldest due delivery of each owner with room, least recently served
        owners first, while senders are free; how many were started."""
        with self._lock:
            free = self._senders - len(self._in_flight)
            busy = set(self._in_flight)
        if free <= 0:
            return 0
        with self._sessions() as db:
            due = db.execute(
                select(Webhook.owner_id, func.min(WebhookDelivery.id)).join(Webhook)
                .where(WebhookDelivery.status == "pending",
                       WebhookDelivery.next_attempt_at <= datetime.now(UTC),
                       Webhook.deleted_at.is_(None))
                .group_by(Webhook.owner_id)).all()
        ready = sorted(((o, d) for o, d in due if o not in busy),
                       key=lambda row: self._served.get(row[0], 0.0))[:free]
        for owner, delivery_id in ready:
            with self._lock:
                self._in_flight.add(owner)
                self._served[owner] = time.monotonic()
            self._pool.submit(self._send, owner, delivery_id)
        return len(ready)

    def _send(self, owner: str, delivery_id: int) -> None:
        try:
            with self._sessions() as db:
                row = db.execute(select(WebhookDelivery, Webhook).join(Webhook).where(
                    WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                    Webhook.deleted_at.is_(None))).first()
                if row is not None:
                    self.attempt(db, *row)
        except Exception:
            log.exception("webhooks.attempt_failed", delivery_id=delivery_id)
        finally:
            with self._lock:
                self._in_flight.discard(owner)
            self._wake.set()

    def attempt(self, db: Session, delivery: WebhookDelivery, hook: Webhook) -> None:
        """One POST within the deadline; the outcome and the next attempt, committed."""
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        now = datetime.now(UTC)
        # A secret that does not open (a key dropped too early) raises here: the delivery stays
        # pending, untried, and the operator's log says why.
        signature = sign(secrets_of(hook, now, self._vault), body)
        delivery.attempts += 1
        delivery.last_status_code, ok = None, False
        try:
            target = egress.check(hook.url, self._resolve, self._allow)
            status = egress.post(target, body, {
                "Content-Type": "application/json", HEADER: signature,
                "YTEmpire-Event": delivery.event_type, "YTEmpire-Delivery": str(delivery.id),
                "User-Agent": "YTEmpire-Webhooks"}, self._settings.webhook_deadline_s)
            delivery.last_status_code, ok = status, 200 <= status < 300
            delivery.last_error = None if ok else f"HTTP {status}"
        except egress.Refused:
            delivery.last_error = "address not allowed"
        except egress.Timeout:
            delivery.last_error = f"no answer within {self._settings.webhook_deadline_s:g}s"
        except Exception:  # refused, reset, TLS, malformed answer: one outcome for the owner
            delivery.last_error = "no answer"
        now = datetime.now(UTC)
        if ok:
            delivery.status, delivery.delivered_at = "delivered", now
        elif delivery.attempts >= self._settings.webhook_max_attempts:
            delivery.status = "failed"
        else:
            backoff = self._settings.webhook_backoff_base_s * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = now + timedelta(seconds=backoff * random.uniform(0.8, 1.2))
        db.commit()
