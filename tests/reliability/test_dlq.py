"""The DLQ through the real broker: entries a real StageRunner dead-lettered are listed, shown
(decoded when they decode), retried once (bytes back on their topic), and purged by prefix."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka import TopicPartition

from ytempire.app.stack import settings_env
from ytempire.app.stages import build_stage
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime import dlq, dlq_retry
from ytempire.runtime.replay import plain_consumer, read_range
from ytempire.runtime.worker import Incoming, StageRunner


class DeadLetters:
    """Puts records on a topic and runs the real scriptwriter StageRunner over them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.codec = Codec(SchemaRegistry.load(settings.schemas_dir))
        self.producer = EventProducer(settings.kafka_bootstrap, self.codec)
        self.runner = StageRunner(build_stage("scriptwriter", settings), self.codec,
                                  self.producer, settings)

    def feed(self, key: bytes, value: bytes, topic: str = "script.requested") -> Incoming:
        consumer = plain_consumer(self.settings, "test")
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        before = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                  for p in parts}
        self.producer.send_raw(topic, key, value)
        after = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                 for p in parts}
        consumer.close()
        [p] = [p for p in parts if after[p] > before[p]]
        [msg] = list(read_range(self.settings, {(topic, p): (after[p] - 1, after[p])}))
        record = Incoming(topic, p, msg.offset(), msg.key(), msg.value())
        asyncio.run(self.runner.process(record))
        return record


@pytest.fixture
def dead(kafka_settings: Settings) -> DeadLetters:
    return DeadLetters(kafka_settings)


def _mine(settings: Settings, since: datetime, video: str) -> list[dlq.DlqEntry]:
    return [e for e in dlq.entries(settings, dlq.DlqFilter(since=since)) if e.video_id == video]


def test_entries_are_listed_with_counts_and_shown_decoded(
    kafka_settings: Settings, dead: DeadLetters
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    video = str(uuid.uuid4())
    garbage = dead.feed(video.encode(), b"\x00definitely not avro")
    too_short = request_event(VideoRequest(topic="x", target_duration_s=5, video_id=video))
    permanent = dead.feed(video.encode(), dead.codec.encode("script.requested", too_short.value))

    mine = _mine(kafka_settings, since, video)
    assert [(e.source_offset, e.error_type) for e in mine] == [
        (garbage.offset, "UndecodableEvent"), (permanent.offset, "PermanentError")]
    assert all(e.stage == "scriptwriter" and e.status == "pending" for e in mine)

    listing = dlq.list_entries(kafka_settings, dlq.DlqFilter(since=since, stage="scriptwriter",
                                                             topic="script.requested"))
    assert listing.by_stage["scriptwriter"] >= 2 and listing.by_topic["script.requested"] >= 2
    assert dlq.list_entries(kafka_settings, dlq.DlqFilter(since=since, stage="narrator")) \
        .by_stage.get("scriptwriter") is None

    shown = dlq.describe(kafka_settings, dlq.get_entry(kafka_settings, mine[1].id))
    assert shown["original"]["spec"]["target_duration_s"] == 5
    assert "target_duration_s=5" in shown["error_message"]
    assert shown["source_partition"] == permanent.partition and shown["attempts"] == 1
    raw = dlq.describe(kafka_settings, dlq.get_entry(kafka_settings, mine[0].id))
    assert raw["original"] is None and "bad magic" in raw["original_error"]
    assert bytes.fromhex(raw["original_hex"]) == b"\x00definitely not avro"

    with pytest.raises(dlq.EntryNotFound, match="partition-offset"):
        dlq.get_entry(kafka_settings, "nonsense")
    with pytest.raises(dlq.EntryNotFound, match="holds offsets"):
        dlq.get_entry(kafka_settings, f"{mine[0].partition}-99999999")


def test_retry_sends_the_original_bytes_back_once_unless_forced(
    kafka_settings: Settings, dead: DeadLetters
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    video = str(uuid.uuid4())
    dead.feed(video.encode(), b"\x01\x02poison")
    [entry] = _mine(kafka_settings, since, video)

    outcome = dlq_retry.retry_entry(kafka_settings, entry.id)
    mark = outcome.mark
    assert outcome.status == "retried" and mark is not None and mark.topic == "script.requested"
    [back] = list(read_range(kafka_settings, {(mark.topic, mark.partition):
                                              (mark.offset, mark.offset + 1)}))
    assert (back.key(), back.value()) == (video.encode(), b"\x01\x02poison")
    assert dict(back.headers())[dlq.RETRY_HEADER] == entry.id.encode()
    assert dlq.get_entry(kafka_settings, entry.id).status == "retried"

    with pytest.raises(dlq.AlreadyRetried, match="--force"):
        dlq_retry.retry_entry(kafka_settings, entry.id)
    skipped = dlq_retry.retry_matching(kafka_settings, dlq.DlqFilter(since=since))
    assert [o.status for o in skipped if o.entry_id == entry.id] == ["skipped"]
    forced = dlq_retry.retry_entry(kafka_settings, entry.id, force=True)
    assert forced.mark is not None and forced.mark.offset != mark.offset

    # The retried copy fails again in the stage: a new entry (new source offset), retryable.
    again = dead.feed(video.encode(), b"\x01\x02poison")
    newer = [e for e in _mine(kafka_settings, since, video) if e.source_offset == again.offset]
    assert newer and newer[0].status == "pending"


def test_purge_drops_handled_prefix_and_keeps_pending(
    kafka_settings: Settings, dead: DeadLetters
) -> None:
    dlq.purge(kafka_settings, include_pending=True)  # a clean slate on the shared broker
    assert dlq.entries(kafka_settings) == []
    video = str(uuid.uuid4())
    for n in range(4):  # same key: one partition, in order
        dead.feed(video.encode(), f"poison {n}".encode())
    first, second, third, fourth = dlq.entries(kafka_settings)
    dlq_retry.retry_entry(kafka_settings, first.id)
    dlq_retry.retry_entry(kafka_settings, second.id)
    dlq_retry.retry_entry(kafka_settings, fourth.id)

    planned = dlq.purge(kafka_settings, dry_run=True)
    assert (planned.removed, planned.kept_pending) == (2, 1)
    assert len(dlq.entries(kafka_settings)) == 4
    done = dlq.purge(kafka_settings)
    assert done.removed == 2
    assert [e.id for e in dlq.entries(kafka_settings)] == [third.id, fourth.id]
    with pytest.raises(dlq.EntryNotFound, match="purged"):
        dlq.get_entry(kafka_settings, first.id)
    assert dlq.purge(kafka_settings, before=datetime.now(UTC) - timedelta(hours=1)).removed == 0
    assert dlq.purge(kafka_settings, include_pending=True).removed == 2


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ytempire", "dlq", *args],
                          env=settings_env(settings), capture_output=True, text=True, timeout=60)


def test_cli_list_show_retry_purge_json(kafka_settings: Settings, dead: DeadLetters) -> None:
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    video = str(uuid.uuid4())
    dead.feed(video.encode(), b"\x00cli poison")
    listed = _cli(kafka_settings, "list", "--json", "--since", since, "--stage", "scriptwriter")
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)
    [entry] = [e for e in doc["entries"] if e["video_id"] == video]
    assert doc["by_stage"]["scriptwriter"] == doc["count"] and entry["status"] == "pending"

    shown = json.loads(_cli(kafka_settings, "show", entry["id"], "--json").stdout)
    assert shown["error_type"] == "UndecodableEvent" and shown["original"] is None
    missing = _cli(kafka_settings, "show", "0-99999999", "--json")
    assert missing.returncode == 2 and "no DLQ entry" in json.loads(missing.stdout)["error"]

    retried = json.loads(_cli(kafka_settings, "retry", entry["id"], "--json").stdout)
    assert retried["retried"] == 1
    refused = _cli(kafka_settings, "retry", entry["id"], "--json")
    assert refused.returncode == 1 and "--force" in json.loads(refused.stdout)["error"]

    no_yes = _cli(kafka_settings, "purge", "--json")
    assert no_yes.returncode != 0 and "--yes" in no_yes.stderr
    plan = json.loads(_cli(kafka_settings, "purge", "--dry-run", "--json").stdout)
    assert plan["dry_run"] is True and plan["removed"] >= 0
