"""The caller's notices: budget alerts, failing stages, a growing dead-letter queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.models import Notice
from gateway.payloads import NoticeOut

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=list[NoticeOut])
def list_notices(db: DB, principal: CurrentUser,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[Notice]:
    """Newest first. Subscribe a webhook to ``cost.alert``, ``stage.failing`` or ``dlq.growing``
    to have them pushed."""
    return list(db.scalars(select(Notice).where(Notice.owner_id == principal.user_id)
                           .order_by(Notice.id.desc()).limit(limit)))
