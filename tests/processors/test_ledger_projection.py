"""ledger: the month's projected spend (schedule pace x measured cost per ended video) alerts
once per scope and UTC month when it passes the channel's or the owner's budget, without anyone
reading it, and a redelivered input gives back the same alert. Events go through the codec."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest

from processors.ledger import LedgerStage, build
from tests.analytics.seed import _value
from tests.processors.samples import with_monthly_budget
from ytempire.core import projection as rule
from ytempire.core.channels import ChannelSchedule, ChannelState, channel_event
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, cost_event, failed_event, plain
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

D = Decimal
JAN = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DAILY = "0 9 * * *"  # one video a day: a 31-day month projects 31 x the cost per video


class Story:
    """One owner's events, each encoded and decoded by the real codec before the ledger."""

    def __init__(self, settings: Settings) -> None:
        self.stage: LedgerStage = build(settings)
        self.codec = Codec(SchemaRegistry.load(settings.schemas_dir))
        self.owner = f"owner-{uuid.uuid4().hex[:8]}"
        self.monthly: Decimal | None = None  # the owner's, as the gateway sends it on requests

    def send(self, topic: str, value: Event | dict) -> list[tuple[str, str, int, str, str]]:
        record = self.codec.decode_record(topic, self.codec.encode(topic, plain(value)))
        self.last = record
        return [(e.value.scope, e.value.scope_id, e.value.envelope.event_id,
                 str(e.value.budget_usd), str(e.value.spent_usd))
                for e in self.stage.handle(record) if e.value.scope.endswith("projection")]

    def channel(self, daily: str, monthly: str | None = None, cron: str | None = DAILY,
                paused: bool = False, at: datetime = JAN, cid: str | None = None) -> str:
        cid = cid or f"chan-{uuid.uuid4().hex[:8]}"
        self.monthly = None if monthly is None else D(monthly)
        emit = channel_event(ChannelState(
            id=cid, owner_id=self.owner, version=at, name="Tides", niche="sea",
            per_video_budget_usd=D("3"), daily_budget_usd=D(daily),
            monthly_budget_usd=None if monthly is None else D(monthly),
            schedule=None if cron is None else ChannelSchedule(cron=cron, paused=paused)))
        self.alerts = self.send("channel.updated", _at(emit, at).value)
        return cid

    def video(self, channel: str, usd: str, at: datetime = JAN, finish: str = "upload.done"
              ) -> list[tuple[str, str, int, str, str]]:
        """Request, one cost, then the video finishes; the alerts of all three."""
        request = _at(with_monthly_budget(request_event(VideoRequest(
            topic="Tides", budget_usd=D("5"), owner_id=self.owner, channel_id=channel,
            video_id=str(uuid.uuid4()))), self.monthly), at)
        raised = self.send("script.requested", request.value)
        cost = _at(cost_event(request.value.envelope, stage="narrator", provider="elevenlabs",
                              model="m", unit="characters", quantity=1.0, usd=D(usd),
                              cached=False, price_table_version="t", call_key="c"), at)
        raised += self.send("cost.incurred", cost.value)
        if finish == "pipeline.failed":  # the narrator gave up after paying
            done = plain(failed_event(request.value.envelope, stage="narrator",
                                      input_topic="script.ready", retryable=True,
                                      error=TimeoutError("the provider timed out")).value)
        else:
            done = _value(finish, plain(request.value), "publisher", passed=False)
        done["envelope"]["occurred_at"] = at
        raised += self.send(finish, done)
        self.finished = done
        return raised


def _at(emit: Emit, at: datetime) -> Emit:
    envelope = msgspec.structs.replace(emit.value.envelope, occurred_at=at)
    return Emit(emit.topic, msgspec.structs.replace(emit.value, envelope=envelope),
                key_field=emit.key_field)


@pytest.fixture
def story(settings: Settings) -> Story:
    return Story(settings)


def test_a_schedule_whose_measured_cost_passes_the_daily_budget_alerts_once_a_month(
        story: Story) -> None:
    chan = story.channel(daily="0.20")
    assert story.video(chan, "0.10") == []  # 31 x $0.10 = $3.10, under 31 x $0.20
    # The second video lifts the cost per video to $0.25: 31 x $0.25 = $7.75 > $6.20.
    [alert] = story.video(chan, "0.40")
    scope, scope_id, alert_id, budget, projected = alert
    assert (scope, scope_id, budget, projected) == (
        rule.CHANNEL_SCOPE, f"{chan}:2026-01", "6.200000", "7.750000")
    # The finishing event is redelivered: the same alert, with the same id, and nothing new.
    assert story.send("upload.done", story.finished) == [alert]
    assert story.video(chan, "0.90") == []
    # February is a new month: one alert again, with another id.
    [february] = story.video(chan, "0.90", at=JAN + timedelta(days=31))
    assert february[1] == f"{chan}:2026-02" and february[2] != alert_id


def test_the_owners_projection_over_all_channels_alerts_against_the_monthly_budget(
        story: Story) -> None:
    first = story.channel(daily="10", monthly="10")
    second = story.channel(daily="10", monthly="10")
    assert story.video(first, "0.20") == []  # $6.20 of $10
    [alert] = story.video(second, "0.20", finish="quality.scored")  # rejected: also finished
    assert alert[:2] == (rule.OWNER_SCOPE, f"{story.owner}:2026-01")
    assert (alert[3], alert[4]) == ("10.000000", "12.400000")
    assert story.video(first, "0.20") == []


def test_no_alert_before_a_finished_video_or_while_the_schedule_is_paused(
        story: Story) -> None:
    chan = story.channel(daily="0.10")
    request = _at(request_event(VideoRequest(
        topic="Tides", budget_usd=D("5"), owner_id=story.owner, channel_id=chan,
        video_id=str(uuid.uuid4()))), JAN)
    story.send("script.requested", request.value)
    cost = cost_event(request.value.envelope, stage="narrator", provider="p", model="m",
                      unit="u", quantity=1.0, usd=D("2.00"), cached=False,
                      price_table_version="t", call_key="c")
    assert story.send("cost.incurred", _at(cost, JAN).value) == []  # in flight: no sample yet
    paused = story.channel(daily="0.10", paused=True)
    assert story.video(paused, "2.00") == []
    # Unpausing it (a newer version of the channel) projects at once, with no new spend.
    story.channel(daily="0.10", cid=paused, at=JAN + timedelta(minutes=1))
    assert [a[:2] for a in story.alerts] == [(rule.CHANNEL_SCOPE, f"{paused}:2026-01")]


def test_a_failed_videos_spend_raises_the_projection_and_counts_once(story: Story) -> None:
    chan = story.channel(daily="0.20")
    assert story.video(chan, "0.10") == []  # 31 x $0.10 = $3.10, under $6.20
    # A video that failed after paying $0.40 ended too: 31 x $0.25 = $7.75 > $6.20.
    [alert] = story.video(chan, "0.40", finish="pipeline.failed")
    assert alert[:2] == (rule.CHANNEL_SCOPE, f"{chan}:2026-01")
    assert (alert[3], alert[4]) == ("6.200000", "7.750000")
    failed = story.finished
    assert story.send("pipeline.failed", failed) == [alert]  # redelivered: the same alert
    # Re-driven, it pays $0.20 more and is published: one video of $0.60, not two samples.
    more = cost_event(story.last.envelope, stage="narrator", provider="elevenlabs", model="m",
                      unit="characters", quantity=1.0, usd=D("0.20"), cached=False,
                      price_table_version="t", call_key="again")
    story.send("cost.incurred", _at(more, JAN).value)
    published = _value("upload.done", {"envelope": failed["envelope"]}, "publisher",
                       passed=True)
    story.send("upload.done", published)
    story.send("pipeline.failed", failed)  # and its old failure comes again
    assert story.stage.ledger.projections.projected(chan, JAN) == D("31") * D("0.35")


def test_a_failure_beside_the_line_does_not_end_a_video(story: Story) -> None:
    chan = story.channel(daily="0.20")
    request = _at(request_event(VideoRequest(
        topic="Tides", budget_usd=D("5"), owner_id=story.owner, channel_id=chan,
        video_id=str(uuid.uuid4()))), JAN)
    story.send("script.requested", request.value)
    story.send("cost.incurred", _at(cost_event(
        request.value.envelope, stage="narrator", provider="p", model="m", unit="u",
        quantity=1.0, usd=D("9.00"), cached=False, price_table_version="t", call_key="c"),
        JAN).value)
    for stage in ("ledger", "metrics-collector"):
        assert story.send("pipeline.failed", _at(failed_event(
            request.value.envelope, stage=stage, input_topic="cost.incurred",
            error=ValueError("x"), retryable=False), JAN).value) == []
    assert story.stage.ledger.projections.projected(chan, JAN) is None  # nothing ended yet
