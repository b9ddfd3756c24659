"""The trends stage (TrendAnalyzer) through its handler and the real Avro codec, no broker:
discovery from the fake YouTube Data API and local feeds ranks a rising topic above a flat one
and refuses a near duplicate of a published topic; the run lands in the scheduler's backlog and
the next slot takes the rising topic; the LLM source is priced; a feed that is not a feed is a
notice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from processors.scheduler import TABLES as SCHEDULER_TABLES
from processors.scheduler import Scheduler
from processors.scheduler_clock import tick_event
from processors.trends import TrendsStage, build
from tests.fakes.google_server import FakeGoogle
from tests.fakes.openai_server import FakeOpenAI
from tests.processors.test_discovery import RSS
from tests.processors.test_scheduler import channel, requests
from ytempire.core.channels import channel_event
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, plain
from ytempire.core.pricing import current_table
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState

T0 = datetime(2026, 12, 7, 8, tzinfo=UTC)
NICHE = "space history rocket moon"
CODEC = Codec(SchemaRegistry.load(Settings().schemas_dir))


def deliver(stage: TrendsStage | Scheduler, emit: Emit) -> list[Emit]:
    """``emit`` as a worker hands it over: encoded to Avro and decoded to its topic's record."""
    record = CODEC.decode_record(emit.topic, CODEC.encode(emit.topic, emit.value))
    out = stage.handle(record)
    for sent in out:  # everything the stage emits must encode with its topic's schema
        CODEC.encode(sent.topic, sent.value)
    return out


def of(emits: list[Emit], topic: str) -> list[dict]:
    return [plain(e.value) for e in emits if e.topic == topic]


def test_a_rising_topic_outranks_a_flat_one_a_near_duplicate_is_refused_and_a_slot_takes_it(
    google: FakeGoogle, tmp_path: Path,
) -> None:
    google.add_public_video("flat", "The history of the space shuttle program", 2_000_000)
    google.add_public_video("rising", "Why the Artemis moon rocket was delayed", 40_000)
    google.add_public_video("dup", "Space history: how Sputnik beat everyone", 500_000)
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "space.xml").write_text(RSS)
    settings = Settings(data_dir=tmp_path, topic_source="offline,youtube",
                        youtube_api_key=google.api_key, youtube_api_base_url=google.url,
                        topic_feeds_dir=tmp_path / "feeds")
    trends = build(settings)
    other = request_event(VideoRequest(topic="How Sputnik beat everyone into space",
                                       channel_id="chan-2", owner_id="owner-1"))
    assert deliver(trends, other) == []  # published on the owner's other channel
    chan = channel(niche=NICHE, version=T0)
    first = deliver(trends, channel_event(chan))
    [run1] = of(first, "topics.discovered")
    assert run1["sources"] == ["offline", "youtube"] and run1["notices"] == []
    units = {(c["model"], c["quantity"]) for c in of(first, "cost.incurred")}
    assert units == {("videos.list", 1.0), ("search.list", 100.0)}  # the search is due once
    assert deliver(trends, tick_event(T0 + timedelta(minutes=30))) == []  # not due yet

    google.set_views("flat", 2_000_400)  # 200 views an hour
    google.set_views("rising", 100_000)  # 30,000 views an hour
    google.set_views("dup", 560_000)
    second = deliver(trends, tick_event(T0 + timedelta(hours=2)))
    [run2] = of(second, "topics.discovered")
    assert [c["model"] for c in of(second, "cost.incurred")] == ["videos.list"]
    assert {c["unit"] for c in of(second, "cost.incurred")} == {"youtube_quota"}
    topics = run2["topics"]
    by_ref = {t["ref"].rsplit("=", 1)[-1]: t for t in topics if t["source"].startswith("yout")}
    rising, flat, dup = by_ref["rising"], by_ref["flat"], by_ref["dup"]
    assert (rising["views_per_hour"], flat["views_per_hour"]) == (30_000.0, 200.0)
    assert topics.index(rising) < topics.index(flat)
    parts = {p["name"]: p["value"] for p in rising["parts"]}
    assert parts["trend"] > {p["name"]: p["value"] for p in flat["parts"]}["trend"]
    assert {"trend", "fit", "novelty"} <= set(parts)
    assert dup["refused"].startswith("near duplicate of 'How Sputnik beat everyone into space'")
    assert all(t["refused"] for t in topics[topics.index(dup):])  # refused ones rank last
    sources = {t["source"] for t in topics}
    assert {"offline", "feed", "youtube_trending"} <= sources

    google.set_views("rising", 170_000)  # a third snapshot: the kept history is forecast
    [run3] = of(deliver(trends, tick_event(T0 + timedelta(hours=4))), "topics.discovered")
    [again] = [t for t in run3["topics"] if t["ref"].endswith("=rising")]
    assert any(r.startswith("forecast ") for r in again["reasons"])
    assert {p["name"]: p["value"] for p in again["parts"]}["forecast"] > 0

    scheduler = Scheduler(MemoryState(SCHEDULER_TABLES), settings)
    deliver(scheduler, channel_event(chan))
    [backlog] = of(deliver(scheduler, second[0]), "backlog.updated")
    assert backlog["topics"][0]["title"] == rising["title"]
    assert any(t["title"] == dup["title"] and t["refused"] for t in backlog["topics"])
    made = requests([e for m in range(0, 24 * 60, 30) for e in deliver(
        scheduler, tick_event(T0 + timedelta(minutes=m)))])
    assert plain(made[0].value)["spec"]["topic"] == rising["title"]
    assert dup["title"] not in {plain(r.value)["spec"]["topic"] for r in made}


class Pages(BaseHTTPRequestHandler):
    """A web server with one RSS feed and one HTML page."""

    def do_GET(self) -> None:
        body = RSS if self.path == "/feed.xml" else "<html><body>Not a feed</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/xml" if self.path == "/feed.xml" else "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_feed_that_is_not_a_feed_is_a_notice_and_the_good_ones_still_count(
    site: str, tmp_path: Path,
) -> None:
    (tmp_path / "feeds" / "chan-1").mkdir(parents=True)
    (tmp_path / "feeds" / "chan-1" / "page.xml").write_text("<html><p>oops</p></html>")
    settings = Settings(data_dir=tmp_path, topic_source="offline,feeds",
                        egress_allow=["127.0.0.0/8"])  # the test's site is on loopback
    feeds = [f"{site}/feed.xml", f"{site}/index.html", "file:///etc/passwd",
             "http://127.0.0.1:9/closed.xml"]
    [run] = of(deliver(build(settings), channel_event(channel(niche=NICHE, feeds=feeds))),
               "topics.discovered")
    notices = run["notices"]
    assert len(notices) == 4, notices
    assert any("page.xml is not an RSS or Atom feed" in n for n in notices)
    assert any(n.startswith(f"{site}/index.html is not an RSS or Atom feed") for n in notices)
    assert "file:///etc/passwd is not an http(s) feed URL" in notices
    assert any(n.startswith("http://127.0.0.1:9/closed.xml could not be read") for n in notices)
    titles = {t["title"] for t in run["topics"] if t["source"] == "feed"}
    assert titles == {"Voyager 1 phones home after a fault",
                      "How the Apollo guidance computer worked"}
    guarded = Settings(data_dir=tmp_path, topic_source="feeds")  # no allowance: public only
    [run] = of(deliver(build(guarded), channel_event(channel(feeds=[f"{site}/feed.xml"]))),
               "topics.discovered")
    assert run["topics"] == [] and run["notices"][0].startswith(f"{site}/feed.xml is refused")


def test_the_llm_brainstorm_is_priced_and_a_redelivered_run_does_not_pay_again(
    tmp_path: Path,
) -> None:
    with FakeOpenAI(api_key="sk-test") as openai:
        settings = Settings(data_dir=tmp_path, topic_source="llm", openai_api_key="sk-test",
                            openai_base_url=openai.url)
        event = channel_event_for(niche=NICHE)
        first = deliver(build(settings), event)
        again = deliver(build(settings), event)  # a crash before the commit: state is gone
        [billed] = openai.usage_of("chat.completions")
    [run] = of(first, "topics.discovered")
    assert run["sources"] == ["llm"] and run["topics"] and run["notices"] == []
    assert {t["source"] for t in run["topics"]} == {"llm"}
    costs = of(first, "cost.incurred")
    table = current_table()
    assert {(c["unit"], c["quantity"]) for c in costs} == {
        ("tokens_in", billed["prompt_tokens"]), ("tokens_out", billed["completion_tokens"])}
    for cost in costs:
        assert cost["usd"] == table.price("openai", "gpt-4o-mini", cost["unit"],
                                          cost["quantity"]).quantize(Decimal("0.000001"))
        assert cost["usd"] > 0 and cost["stage"] == "trends" and not cost["cached"]
        assert cost["envelope"]["channel_id"] == "chan-1"
    assert [c["envelope"]["event_id"] for c in of(again, "cost.incurred")] == [
        c["envelope"]["event_id"] for c in costs]  # the ledger counts them once


def channel_event_for(**changes: object) -> Emit:
    return channel_event(channel(**changes))


def test_a_hosted_source_without_its_key_says_which_setting_to_give(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="YTEMPIRE_YOUTUBE_API_KEY"):
        build(Settings(data_dir=tmp_path, topic_source="youtube"))
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        build(Settings(data_dir=tmp_path, topic_source="offline,llm", openai_api_key=None))


def test_without_the_offline_source_the_backlog_holds_only_what_discovery_found(
    site: str, tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, topic_source="feeds", egress_allow=["127.0.0.0/8"])
    scheduler = Scheduler(MemoryState(SCHEDULER_TABLES), settings)
    event = channel_event_for(niche=NICHE, feeds=[f"{site}/feed.xml"])
    assert of(deliver(scheduler, event), "backlog.updated") == []  # no brainstorm of its own
    [run] = deliver(build(settings), event)
    [backlog] = of(deliver(scheduler, run), "backlog.updated")
    assert sorted((t["title"], t["source"]) for t in backlog["topics"]) == [
        ("How the Apollo guidance computer worked", "feed"),
        ("Voyager 1 phones home after a fault", "feed")]


def test_ranking_latency_benchmark_smoke_run_discovers_merges_and_refuses() -> None:
    """A tiny run of tests/benchmarks/bench_trends.py: every run sends its candidates, the
    near duplicates among them refused, and the scheduler merges each run."""
    from processors.discovery.similarity import duplicate_of
    from tests.benchmarks.bench_trends import inputs, run

    report = run(count=60, made_count=200, repeat=2)
    made, pool = inputs(60, 200)
    twins = sum(1 for c in pool if duplicate_of(c.title, made) is not None)
    assert report["sent_per_run"] == 60 and report["refused_as_near_duplicates"] == twins > 0
    assert 0 < report["ms"]["discover"]["p50"] <= report["ms"]["total"]["p95"]
    assert report["ms"]["merge"]["p50"] > 0
