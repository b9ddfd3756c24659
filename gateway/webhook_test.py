"""A test delivery to one webhook: queued like any event, so the usual delivery machinery signs,
sends, retries and logs it (``GET /v1/webhooks/{id}/deliveries``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from gateway.models import Webhook, WebhookDelivery

EVENT_TYPE = "webhook.test"


def queue_test(db: Session, hook: Webhook) -> WebhookDelivery:
    """Queue one ``webhook.test`` delivery for ``hook`` whatever events it chose (committed)."""
    event_id, now = str(uuid.uuid4()), datetime.now(UTC)
    delivery = WebhookDelivery(
        webhook_id=hook.id, event_id=event_id, event_type=EVENT_TYPE, next_attempt_at=now,
        payload={"id": event_id, "type": EVENT_TYPE, "occurred_at": now.isoformat(),
                 "data": {"webhook_id": hook.id,
                          "message": "A test delivery from YTEmpire: your endpoint is reached."}})
    db.add(delivery)
    db.commit()
    return delivery
