"""The caller's notices: budget alerts, failing stages, a growing dead-letter queue; read marks
for the web app's bell."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel
from sqlalchemy import func, select, update

from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.errors import NotFound
from gateway.models import Notice
from gateway.payloads.notices import NoticeOut

router = APIRouter(tags=["notifications"])


class UnreadCount(BaseModel):
    unread: int


@router.get("/notifications", response_model=list[NoticeOut])
def list_notices(db: DB, principal: CurrentUser,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100,
                 unread: bool = False) -> list[Notice]:
    """Newest first (``unread=true``: only those not marked read). Subscribe a webhook to
    ``cost.alert``, ``stage.failing`` or ``dlq.growing`` to have them pushed."""
    query = select(Notice).where(Notice.owner_id == principal.user_id)
    if unread:
        query = query.where(Notice.read_at.is_(None))
    return list(db.scalars(query.order_by(Notice.id.desc()).limit(limit)))


@router.get("/notifications/unread-count", response_model=UnreadCount)
def unread_count(db: DB, principal: CurrentUser) -> UnreadCount:
    return UnreadCount(unread=db.scalar(select(func.count()).select_from(Notice).where(
        Notice.owner_id == principal.user_id, Notice.read_at.is_(None))) or 0)


@router.post("/notifications/{notice_id}/read", status_code=status.HTTP_204_NO_CONTENT)
def mark_read(notice_id: Annotated[int, Path(ge=1, le=2**63 - 1)], db: DB,
              principal: CurrentUser) -> None:
    """Mark one notice read (again: no change)."""
    notice = db.scalar(select(Notice).where(Notice.id == notice_id,
                                            Notice.owner_id == principal.user_id))
    if notice is None:
        raise NotFound(f"notification {notice_id} not found")
    if notice.read_at is None:
        notice.read_at = datetime.now(UTC)
        db.commit()


@router.post("/notifications/read-all", response_model=UnreadCount)
def mark_all_read(db: DB, principal: CurrentUser) -> UnreadCount:
    """Mark every notice read; answers the unread count after it (0)."""
    db.execute(update(Notice).where(Notice.owner_id == principal.user_id,
                                    Notice.read_at.is_(None))
               .values(read_at=datetime.now(UTC)).execution_options(synchronize_session=False))
    db.commit()
    return UnreadCount(unread=0)
