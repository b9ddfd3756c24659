"""The trends and scheduler workers on the real broker, time from the test's ticks: a channel
given only a schedule gets a discovery run (feed files, the brainstorm, a bad feed as a notice)
that reaches the scheduler's backlog over Kafka, and its first slot is requested."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from processors.scheduler_clock import tick_event
from tests.processors.test_discovery import RSS
from tests.reliability.watch import Watch
from ytempire.app.broker import LocalBroker
from ytempire.app.stack import Stack
from ytempire.core.channels import ChannelSchedule, ChannelState, channel_event
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

T0 = datetime(2031, 3, 3, tzinfo=UTC)
TOPICS = ["topics.discovered", "backlog.updated", "script.requested"]
CHANNEL = f"chan-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def stack(kafka_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("trends")
    (data / "feeds" / CHANNEL).mkdir(parents=True)
    (data / "feeds" / "space.xml").write_text(RSS)
    (data / "feeds" / CHANNEL / "page.xml").write_text("<html><p>not a feed</p></html>")
    settings = Settings(data_dir=data, kafka_bootstrap=kafka_broker.bootstrap,
                        consumer_group_prefix=f"test-{uuid.uuid4().hex[:8]}")
    stack = Stack(settings, stages=["trends", "scheduler"])
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


def test_a_schedule_alone_gets_discovered_topics_into_the_backlog_and_a_video_requested(
    stack: Stack,
) -> None:
    settings = stack.settings
    producer = EventProducer(settings.kafka_bootstrap,
                             Codec(SchemaRegistry.load(settings.schemas_dir)))
    channel = ChannelState(id=CHANNEL, owner_id=f"owner-{uuid.uuid4().hex[:8]}", version=T0,
                           name="Space", niche="space history",
                           per_video_budget_usd=Decimal("3.00"),
                           daily_budget_usd=Decimal("30.00"),
                           schedule=ChannelSchedule(cron="0 8 * * *"))
    watch = Watch(settings, TOPICS)

    def of(topic: str) -> list[dict]:
        return [v for v in watch.values(topic) if v["envelope"]["channel_id"] == CHANNEL]

    def feed_topics_in_backlog(w: Watch) -> bool:
        return any(t["source"] == "feed" for b in of("backlog.updated") for t in b["topics"])

    try:
        producer.send_all([channel_event(channel)])
        assert watch.until(feed_topics_in_backlog, 90), of("topics.discovered")
        producer.send_all([tick_event(T0 + timedelta(hours=h)) for h in range(8)])
        assert watch.until(lambda w: len(of("script.requested")) == 1, 60)
    finally:
        watch.close()
        producer.close()
    runs = of("topics.discovered")  # on the channel's change, then hourly in tick time
    assert [r["at"] for r in runs[:2]] == [T0, T0 + timedelta(hours=1)]
    run = runs[0]
    assert [n for n in run["notices"] if "page.xml is not an RSS or Atom feed" in n]
    assert {"offline", "feed"} <= {t["source"] for t in run["topics"]}
    [request] = of("script.requested")
    backlog = of("backlog.updated")[-1]["topics"]
    assert request["spec"]["topic"] in {t["title"] for t in backlog if t["used_by"]}
    assert not stack.dead_workers()
