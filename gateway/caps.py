"""What a user may submit, whatever its channels' budgets say: the operator's cap for the
user's tier (videos and estimated dollars a day, the longest video) and the owner's own
monthly budget. Checked at submission, with the estimate the request was priced at, so a
batch that would pass a cap is refused whole with a 409 that names the cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.identity import Principal
from gateway.models import User, Video


class TierCap(BaseModel):
    """One tier's limits (``tier_caps`` in the gateway settings); None means no limit."""

    videos_per_day: int | None = Field(None, ge=0)
    usd_per_day: Decimal | None = Field(None, ge=0)
    """Estimated (or incurred, when higher) dollars of the user's videos in 24 hours"""
    max_target_duration_s: int | None = Field(None, ge=1)


class CapReached(GatewayError):
    status_code = 409


def _since(db: Session, owner_id: str, since: datetime) -> tuple[int, Decimal]:
    """Videos the owner requested since ``since`` (not cancelled), and what they cost: each
    counted at its incurred cost or its estimate, whichever is higher."""
    rows = db.execute(select(Video.cost_usd, Video.estimate_usd).where(
        Video.owner_id == owner_id, Video.created_at >= since, Video.status != "cancelled"))
    costs = [max(cost, estimate) for cost, estimate in rows]
    return len(costs), sum(costs, Decimal("0"))


def enforce(db: Session, principal: Principal, cap: TierCap | None,
            planned: Sequence[tuple[int, Decimal]]) -> None:
    """Raise CapReached unless ``planned`` (target seconds, estimated dollars of each new
    video) fits the tier's cap and the owner's monthly budget."""
    now = datetime.now(UTC)
    tier = f"the {principal.tier} tier"
    adding = sum((usd for _, usd in planned), Decimal("0"))
    with db.no_autoflush:
        if cap is not None:
            if cap.max_target_duration_s is not None:
                longest = max(seconds for seconds, _ in planned)
                if longest > cap.max_target_duration_s:
                    raise CapReached(f"{tier} allows videos up to {cap.max_target_duration_s} s "
                                     f"(asked {longest} s)")
            count, spent = _since(db, principal.user_id, now - timedelta(days=1))
            if cap.videos_per_day is not None and count + len(planned) > cap.videos_per_day:
                raise CapReached(f"{tier} allows {cap.videos_per_day} videos in 24 hours; "
                                 f"{count} requested already")
            if cap.usd_per_day is not None and spent + adding > cap.usd_per_day:
                raise CapReached(f"{tier} allows ${cap.usd_per_day} of estimated cost in 24 "
                                 f"hours; ${spent} committed, this adds ${adding}")
        budget = db.scalar(select(User.monthly_budget_usd).where(User.id == principal.user_id))
        if budget is not None:
            month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            _, spent = _since(db, principal.user_id, month)
            if spent + adding > budget:
                raise CapReached(f"your monthly budget ${budget} would be passed: ${spent} "
                                 f"committed this month, this adds ${adding}; raise it "
                                 "(PATCH /v1/me) or wait")
