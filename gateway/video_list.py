"""The video list: filters, sort orders and keyset pagination that stay fast at 100,000 videos.

Every sort order is (column, id) in one direction, served by an index that starts with the
owner (migration 0009), so a page is one index range scan however deep the cursor is; an
offset would read every row before it. The cursor carries the sort it was made for, so a
cursor from another order is refused instead of skipping rows.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gateway.errors import GatewayError
from gateway.identity import Principal
from gateway.models import Video

SORTS: dict[str, InstrumentedAttribute[Any]] = {
    "created_at": Video.created_at, "cost": Video.cost_usd, "updated_at": Video.updated_at}


class BadCursor(GatewayError):
    status_code = 422


@dataclass(frozen=True)
class Filters:
    channel_id: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _encode(sort: str, value: Any, video_id: str) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return base64.urlsafe_b64encode(json.dumps([sort, text, video_id]).encode()).decode()


def _decode(cursor: str, sort: str) -> tuple[Any, str]:
    try:
        made_for, text, video_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursor("cursor is not one this API returned") from exc
    if made_for != sort:
        raise BadCursor(f"cursor was made for sort={made_for}; start again without it")
    try:
        value = Decimal(text) if sort.lstrip("-") == "cost" else datetime.fromisoformat(text)
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("naive time")
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise BadCursor("cursor is not one this API returned") from exc
    return value, str(video_id)


def _conditions(principal: Principal, filters: Filters) -> list[Any]:
    where = [Video.owner_id == principal.user_id]
    if filters.channel_id:
        where.append(Video.channel_id == filters.channel_id)
    if filters.status:
        where.append(Video.status == filters.status)
    if filters.since:
        where.append(Video.created_at >= filters.since)
    if filters.until:
        where.append(Video.created_at < filters.until)
    return where


def query(principal: Principal, filters: Filters, sort: str, cursor: str | None,
          limit: int = 50) -> Any:
    """The SELECT of one page (``limit`` + 1 rows: the extra one says whether more follow)."""
    column, descending = SORTS[sort.lstrip("-")], sort.startswith("-")
    statement = select(Video).where(*_conditions(principal, filters))
    if cursor:
        value, video_id = _decode(cursor, sort)
        if descending:
            statement = statement.where(
                or_(column < value, (column == value) & (Video.id < video_id)))
        else:
            statement = statement.where(
                or_(column > value, (column == value) & (Video.id > video_id)))
    order = (column.desc(), Video.id.desc()) if descending else (column.asc(), Video.id.asc())
    return statement.order_by(*order).limit(limit + 1)


def page(db: Session, principal: Principal, filters: Filters, *, sort: str = "-created_at",
         limit: int = 50, cursor: str | None = None) -> tuple[list[Video], str | None]:
    """One page in ``sort`` order ('-' first: descending) and the cursor of the next one."""
    rows = list(db.scalars(query(principal, filters, sort, cursor, limit)))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    key = SORTS[sort.lstrip("-")].key
    return rows, (_encode(sort, getattr(last, key), last.id) if last else None)


def total(db: Session, principal: Principal, filters: Filters) -> int:
    """How many videos match (an index-only count; asked for with ``?total=true``)."""
    counted = select(func.count()).select_from(Video).where(*_conditions(principal, filters))
    return int(db.scalar(counted) or 0)
