"""ledger: the month's projected spend per channel and per owner, alerted when it passes a budget.

The rule is ``ytempire.core.projection`` (the gateway shows the same numbers from ClickHouse).
The ledger holds its inputs because it sees every request and every cost: ``channel.updated``
gives a channel's owner, schedule and deletion; a request adds a video to its channel's window
(the last 30 days, the pace of a channel without a schedule); ``upload.done``, a rejecting
``quality.scored`` or a ``pipeline.failed`` of a stage of the line marks the video ended, and its
spend (kept up to date by later costs) becomes a sample of the channel's cost per video: what a
requested video is expected to cost, failures included. A video counts once whatever number of
end events it gets (a failure re-driven by an operator that then publishes is one sample). The
budgets are the ledger's own: the channel's daily budget and the owner's monthly budget, latest
first.

Every input of a channel re-evaluates that channel and its owner at the input's ``occurred_at``
(a replay evaluates as the first run did). A projection past its budget alerts once per scope
and UTC month (``threshold_pct`` 100, the alert's id depends on scope and month only). A channel
without an ended video has no measured cost yet: it adds nothing and alerts nothing (the
gateway shows an estimate for it). A redelivered input gives back the alert it raised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ytempire.core import projection as rule
from ytempire.core.records import ChannelUpdated, Envelope
from ytempire.stage import Partitioning, State

TABLES: dict[str, Partitioning] = {
    "projection_channels": "key",  # channel_id -> owner, schedule, deleted, videos in the window
    "projection_owners": "key",  # owner_id -> channel ids
    "projections": "key",  # "<scope>:<scope_id>" -> the alert raised and the input that did
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class Projections:
    """Projection inputs and alerts over ``State``; amounts come in, ``Alert`` rows go out."""

    def __init__(self, state: State) -> None:
        self.state = state

    def channel_updated(self, event: ChannelUpdated) -> None:
        envelope = event.envelope
        channel = self._channel(envelope)
        version = _iso(event.version)
        if channel["version"] is not None and channel["version"] > version:
            return
        schedule = event.schedule
        self._put(envelope.channel_id, {
            **channel, "version": version, "deleted": event.deleted,
            "schedule": None if schedule is None else [
                schedule.cron, schedule.timezone, schedule.videos_per_slot, schedule.paused]})

    def requested(self, envelope: Envelope) -> None:
        channel = self._channel(envelope)
        if envelope.video_id not in channel["videos"]:
            videos = {**channel["videos"], envelope.video_id: [_iso(envelope.occurred_at), None]}
            self._put(envelope.channel_id, {**channel, "videos": self._window(videos, envelope)})

    def spent(self, envelope: Envelope, video_spent: Decimal, ended: bool) -> None:
        """The video's spend so far; ``ended`` marks it a sample of the cost per video."""
        channel = self._channel(envelope)
        entry = channel["videos"].get(envelope.video_id)
        if entry is None or (entry[1] is None and not ended):
            return
        if entry[1] != str(video_spent):
            videos = {**channel["videos"], envelope.video_id: [entry[0], str(video_spent)]}
            self._put(envelope.channel_id, {**channel, "videos": videos})

    def check(self, envelope: Envelope, daily_budget: Decimal | None,
              monthly_budget: Decimal | None) -> list[tuple[str, str, Decimal, Decimal]]:
        """(scope, scope_id, budget, projected) of the event's channel and owner: past the budget
        for the first time this month, or raised by this very input before (a redelivery)."""
        now = envelope.occurred_at
        month = rule.month_of(now)
        found: list[tuple[str, str, Decimal, Decimal]] = []
        total, measured = Decimal(0), False
        for cid in self.state.get("projection_owners", envelope.owner_id) or []:
            projected = self.projected(cid, now)
            if projected is None:
                continue
            measured, total = True, total + projected
            if cid == envelope.channel_id and daily_budget is not None:
                budget = rule.channel_month_budget(daily_budget, now)
                found += self._once(envelope, rule.CHANNEL_SCOPE, f"{cid}:{month}", budget,
                                    projected)
        if measured and monthly_budget is not None:
            found += self._once(envelope, rule.OWNER_SCOPE, f"{envelope.owner_id}:{month}",
                                monthly_budget, total)
        return found

    def projected(self, channel_id: str, now: datetime) -> Decimal | None:
        """The channel's projection for ``now``'s month; None when deleted or not measured."""
        channel = self.state.get("projection_channels", channel_id)
        if channel is None or channel["deleted"]:
            return None
        since = _iso(now - rule.WINDOW)
        recent = [usd for at, usd in channel["videos"].values() if at >= since]
        ended = [Decimal(usd) for usd in recent if usd is not None]
        per_video = rule.cost_per_video(sum(ended, Decimal(0)), len(ended))
        if per_video is None:
            return None
        if channel["schedule"] is not None:
            cron, tz, per_slot, paused = channel["schedule"]
            per_day = rule.scheduled_per_day(cron, tz, per_slot, paused,
                                             now.astimezone(UTC).date())
        else:
            per_day = rule.requested_per_day(len(recent))
        return rule.month_projection(per_video, per_day, now)

    # -- state ----------------------------------------------------------------------------------

    def _once(self, envelope: Envelope, scope: str, scope_id: str, budget: Decimal,
              projected: Decimal) -> list[tuple[str, str, Decimal, Decimal]]:
        key = f"{scope}:{scope_id}"
        raised = self.state.get("projections", key)
        if raised is not None:
            if raised["by"] != envelope.event_id:
                return []
            return [(scope, scope_id, Decimal(raised["budget"]), Decimal(raised["projected"]))]
        if not rule.over_budget(projected, budget):
            return []
        self.state.put("projections", key, {"by": envelope.event_id, "budget": str(budget),
                                            "projected": str(projected)})
        return [(scope, scope_id, budget, projected)]

    def _channel(self, envelope: Envelope) -> dict[str, Any]:
        found: dict[str, Any] | None = self.state.get("projection_channels", envelope.channel_id)
        if found is None:
            return {"owner": envelope.owner_id, "version": None, "deleted": False,
                    "schedule": None, "videos": {}}
        return found

    def _put(self, channel_id: str, channel: dict[str, Any]) -> None:
        self.state.put("projection_channels", channel_id, channel)
        owned = self.state.get("projection_owners", channel["owner"]) or []
        if channel_id not in owned:
            self.state.put("projection_owners", channel["owner"], sorted([*owned, channel_id]))

    @staticmethod
    def _window(videos: dict[str, list[Any]], envelope: Envelope) -> dict[str, list[Any]]:
        """Drop videos requested before the window of the latest input."""
        since = _iso(envelope.occurred_at - rule.WINDOW)
        return {vid: entry for vid, entry in videos.items() if entry[0] >= since}
