"""A known pipeline history for analytics tests: 44 videos on 3 channels over 4 days, each
stage taking a fixed time, every 7th video rejected by the quality gate, every 11th failing in
the narrator, every 13th (from the 7th) cancelled while it was assembled, every 5th on a $0.25
budget it overruns.

Written through the real path below the sink (Codec round trip, ``events`` rows, then
ClickHouse's own materialized views), so tests can assert exact KPI numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from analytics.lag import LAG_COLUMNS, PartitionLag, as_table_rows
from analytics.performance_rollup import refresh
from analytics.rows import event_row, insert_decoded
from tests.typed import envelope_of
from ytempire.core.codec import Codec
from ytempire.core.events import (
    Emit,
    cost_event,
    derive_envelope,
    failed_event,
    new_envelope,
    plain,
)
from ytempire.core.requests import VideoRequest, request_event

STAGE_SECONDS = {"scriptwriter": 2.0, "narrator": 5.0, "assembler": 20.0, "quality": 3.0,
                 "publisher": 4.0}
PIPELINE = [("scriptwriter", "script.ready"), ("narrator", "voice.ready"),
            ("assembler", "video.assembled"), ("quality", "quality.scored"),
            ("publisher", "upload.done")]
CHANNELS = ["channel-a", "channel-b", "channel-c"]
VIDEOS = 44
Event = dict[str, Any]


@dataclass
class Raw:
    """An event as its Avro value: the seed edits values in place (times) before writing them."""

    topic: str
    value: Event


def raw(emit: Emit) -> Raw:
    return Raw(emit.topic, plain(emit.value))


def insert_events(client: Client, codec: Codec, emits: Sequence[Emit | Raw]) -> None:
    """Encode, decode and insert as the sink's Python path does, topic by topic (and refresh
    the performance rollups after ``video.metrics``, as the sink does)."""
    by_topic: dict[str, tuple[list[list[Any]], list[Event]]] = {}
    for offset, emit in enumerate(emits):
        value = codec.decode(emit.topic, codec.encode(emit.topic, emit.value))
        rows, values = by_topic.setdefault(emit.topic, ([], []))
        rows.append(event_row(emit.topic, 0, offset, value))
        values.append(value)
    for topic, (rows, values) in by_topic.items():
        insert_decoded(client, topic, rows, values, token=None)
        if topic == "video.metrics":
            refresh(client)


@dataclass
class Seeded:
    client: Client
    emits: list[Raw]
    requested: int = 0
    assembled: int = 0
    scored: int = 0
    published: int = 0
    rejected: int = 0
    failed: int = 0
    cancelled: int = 0
    total_usd: Decimal = Decimal("0")
    usd_by_video: dict[str, Decimal] = field(default_factory=dict)
    usd_by_stage: dict[str, Decimal] = field(default_factory=dict)
    over_budget: int = 0
    youtube_quota: float = 0.0
    calls: int = 0
    cached_calls: int = 0
    dlq: int = 0
    channel_of: dict[str, str] = field(default_factory=dict)
    status_of: dict[str, str] = field(default_factory=dict)


def seed_pipeline(client: Client, codec: Codec) -> Seeded:
    """Write the history into ``client`` and return what it implies."""
    now = datetime.now(UTC).replace(microsecond=0)
    midnight = now.replace(hour=0, minute=0, second=0)
    if now - timedelta(hours=1, minutes=VIDEOS) < midnight:
        # early in the UTC day a day's requests would straddle midnight: five days, not four
        now = midnight - timedelta(minutes=1)
    emits: list[Raw] = []
    seed = Seeded(client, emits)
    for i in range(VIDEOS):
        requested_at = now - timedelta(days=i % 4, hours=1, minutes=i)
        budget = Decimal("0.25") if i % 5 == 0 else Decimal("3.00")
        request = raw(
            request_event(
                VideoRequest(
                    topic=f"Topic number {i}",
                    channel_id=CHANNELS[i % 3],
                    owner_id="owner-1",
                    video_id=f"video-{i:03d}",
                    budget_usd=budget,
                )
            )
        )
        _at(request.value, requested_at)
        emits.append(request)
        seed.requested += 1
        video_id = request.value["envelope"]["video_id"]
        seed.channel_of[video_id] = CHANNELS[i % 3]
        video_usd = Decimal("0")
        parent, clock = request.value, requested_at
        for step, (stage, topic) in enumerate(PIPELINE):
            cost = _cost(parent, stage, step, i)
            _at(cost.value, clock + timedelta(seconds=1))
            emits.append(cost)
            video_usd += cost.value["usd"]
            seed.usd_by_stage[stage] = seed.usd_by_stage.get(stage, Decimal(0)) + cost.value["usd"]
            seed.calls += 1
            seed.cached_calls += cost.value["cached"]
            if cost.value["unit"] == "youtube_quota":
                seed.youtube_quota += cost.value["quantity"]
            clock += timedelta(seconds=STAGE_SECONDS[stage])
            if stage == "narrator" and i % 11 == 0:
                failure = raw(failed_event(envelope_of(parent), stage=stage,
                                           input_topic="script.ready",
                                           error=RuntimeError("espeak-ng crashed"),
                                           retryable=False))
                _at(failure.value, clock)
                emits.append(failure)
                emits.append(_dlq(parent, clock))
                seed.failed += 1
                seed.dlq += 1
                seed.status_of[video_id] = "failed"
                break
            passed = i % 7 != 0
            out = Raw(topic, _value(topic, parent, stage, passed))
            _at(out.value, clock)
            emits.append(out)
            parent = out.value
            seed.assembled += topic == "video.assembled"
            seed.scored += topic == "quality.scored"
            if topic == "video.assembled" and i % 13 == 6:
                # cancelled while the assembler worked: its output still came, after the cancel
                emits.append(_cancelled(request.value, clock - timedelta(seconds=1)))
                seed.cancelled += 1
                seed.status_of[video_id] = "cancelled"
                break
            if topic == "quality.scored" and not passed:
                seed.rejected += 1
                seed.status_of[video_id] = "rejected"
                break
            if topic == "upload.done":
                seed.published += 1
                seed.status_of[video_id] = "published"
                emits.append(_metrics(out.value, clock, i))
        seed.usd_by_video[video_id] = video_usd
        seed.total_usd += video_usd
        seed.over_budget += video_usd > budget
        if video_usd > budget:
            emits.append(_alert(request.value, budget, video_usd, clock))
    insert_events(client, codec, emits)
    for minutes_ago in (2, 1):
        lag = [PartitionLag(stage, f"ytempire.{stage}", topic, 0, 10, 10 + minutes_ago, minutes_ago)
               for stage, topic in (("narrator", "script.ready"), ("assembler", "voice.ready"))]
        client.insert("consumer_lag", as_table_rows(lag, now - timedelta(minutes=minutes_ago)),
                      column_names=LAG_COLUMNS)
    return seed


def _metrics(done: Event, published_at: datetime, i: int) -> Raw:
    """YouTube Analytics' day of a published video: 100 + i views, i cents of revenue."""
    envelope = plain(new_envelope(video_id=done["envelope"]["video_id"],
                                  channel_id=done["envelope"]["channel_id"], owner_id="owner-1",
                                  producer="metrics-collector", event_key="seeded-day"))
    _at({"envelope": envelope}, published_at + timedelta(minutes=5))
    fields = ("likes", "comments", "shares", "average_view_duration_s", "subscribers_lost",
              "cpm", "playback_based_cpm", "ad_impressions")
    return Raw("video.metrics", {
        "envelope": envelope, "platform_video_id": f"yt-{i}", "youtube_channel_id": "",
        "source": "ANALYTICS", "day": published_at.date().isoformat(),
        "observed_at": published_at + timedelta(minutes=5), "published_at": published_at,
        "simulated": False, **dict.fromkeys(fields), "views": 100 + i,
        "estimated_minutes_watched": 50.0, "average_view_percentage": 40.0,
        "subscribers_gained": 1, "estimated_revenue_usd": Decimal(i) / 100})


def _at(value: Event, when: datetime) -> None:
    value["envelope"]["occurred_at"] = when


def _cost(parent: Event, stage: str, step: int, i: int) -> Raw:
    unit, provider, model, usd, quantity = {
        "scriptwriter": ("tokens_out", "openai", "gpt-4o-mini", Decimal("0.012345"), 900.0),
        "narrator": ("characters", "elevenlabs", "eleven_turbo_v2", Decimal("0.270000"), 1800.0),
        "assembler": ("seconds", "ffmpeg", "x264", Decimal("0"), 60.0),
        "quality": ("requests", "openai", "omni-moderation", Decimal("0"), 1.0),
        "publisher": ("youtube_quota", "youtube", "data-api-v3", Decimal("0"), 1600.0),
    }[stage]
    cached = stage == "scriptwriter" and i % 4 == 0
    return raw(cost_event(envelope_of(parent), stage=stage, provider=provider, model=model,
                          unit=unit, quantity=quantity, usd=Decimal("0") if cached else usd,
                          cached=cached, price_table_version="2026-11-01",
                          call_key=f"call-{i}-{step}"))


def _artifact(name: str, media_type: str) -> dict[str, Any]:
    return {"uri": f"file:///artifacts/{name}", "size_bytes": 1000, "sha256": "0" * 64,
            "media_type": media_type}


def _script(topic: str) -> dict[str, Any]:
    return {"title": topic, "hook": "Did you know?", "sections": [
        {"heading": "One", "narration": "Words.", "on_screen_text": "One", "keywords": []}],
        "call_to_action": "Subscribe", "description": "A video.", "tags": ["facts"],
        "word_count": 1, "language": "en"}


def _value(topic: str, parent: Event, stage: str, passed: bool) -> Event:
    envelope = plain(derive_envelope(envelope_of(parent), stage, topic))
    spec = parent.get("spec")
    script = parent.get("script") or _script(spec["topic"] if spec else "x")
    video, thumb = _artifact("v.mp4", "video/mp4"), _artifact("t.png", "image/png")
    if topic == "script.ready":
        return {"envelope": envelope, "spec": spec, "script": script, "writer": "offline/template"}
    if topic == "voice.ready":
        return {"envelope": envelope, "spec": spec, "script": script,
                "audio": _artifact("a.wav", "audio/wav"),
                "word_timings": _artifact("w.json", "application/json"), "duration_s": 58.0,
                "section_starts_s": [0.0], "loudness_lufs": -16.0, "voice": "espeak/en"}
    if topic == "video.assembled":
        return {"envelope": envelope, "spec": spec, "script": script, "video": video,
                "thumbnail": thumb, "captions": _artifact("c.srt", "text/srt"),
                "audio": _artifact("a.wav", "audio/wav"), "duration_s": 60.0,
                "narration_duration_s": 58.0, "width": 1920, "height": 1080,
                "render_seconds": 21.5}
    if topic == "quality.scored":
        return {"envelope": envelope, "spec": spec, "script": script, "video": video,
                "thumbnail": thumb, "duration_s": 60.0, "width": 1920, "height": 1080,
                "score": 85.0 if passed else 40.0, "threshold": 70, "passed": passed,
                "checks": [], "reasons": [] if passed else ["audio too quiet"]}
    return {"envelope": envelope, "platform": "local", "platform_video_id": envelope["video_id"],
            "url": f"file:///channels/{envelope['video_id']}.mp4", "title": script["title"],
            "video": video, "thumbnail": thumb, "duration_s": 60.0, "privacy": "private",
            "quality_score": 85.0}


def _dlq(parent: Event, when: datetime) -> Raw:
    envelope = plain(derive_envelope(envelope_of(parent), "narrator", "pipeline.dlq"))
    envelope["occurred_at"] = when
    return Raw("pipeline.dlq", {
        "envelope": envelope, "stage": "narrator", "source_topic": "script.ready",
        "source_partition": 0, "source_offset": 7, "original_key": b"k", "original_value": b"v",
        "error_type": "RuntimeError", "error_message": "espeak-ng crashed", "attempts": 1})


def _cancelled(request: Event, when: datetime) -> Raw:
    envelope = plain(derive_envelope(envelope_of(request), "gateway", "video.cancelled"))
    envelope["occurred_at"] = when
    return Raw("video.cancelled", {"envelope": envelope, "reason": "changed my mind",
                                    "cancelled_by": "api-key:key-1"})


def _alert(request: Event, budget: Decimal, spent: Decimal, when: datetime) -> Raw:
    envelope = plain(derive_envelope(envelope_of(request), "ledger", "cost.alert"))
    envelope["occurred_at"] = when
    return Raw("cost.alert", {"envelope": envelope, "scope": "video",
                               "scope_id": envelope["video_id"], "threshold_pct": 100,
                               "budget_usd": budget, "spent_usd": spent})


FAST_REJOIN = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000}
"""Consumer config for sinks a test kills and restarts: the group takes them back quickly."""


def cost_emits(channel: str, videos: int, calls: int) -> list[Emit]:
    """``videos`` x ``calls`` cost events with uneven amounts (sub-cent digits included)."""
    emits = []
    for v in range(videos):
        request = new_envelope(video_id=f"{channel}-v{v}", channel_id=channel, owner_id="owner",
                               producer="cli")
        for c in range(calls):
            usd = Decimal(v * 7 + c * 13 + 1) / Decimal(1000) + Decimal("0.000123")
            emits.append(cost_event(request, stage="narrator", provider="elevenlabs",
                                    model="eleven_turbo_v2", unit="characters", quantity=100 + c,
                                    usd=usd, cached=False, price_table_version="2026-11-01",
                                    call_key=f"{v}:{c}", index=c))
    return emits
