"""KPI query latency over 10 million cost rows in chdb (target < 200 ms each).

Run: .venv/bin/python tests/benchmarks/bench_kpi.py [--costs 10000000] [--videos 500000]
     [--repeat 5]
Prints numbers; asserts nothing. The rows are generated inside ClickHouse with numbers() and
inserted into the typed tables, so the materialized rollups (video_summary's cost, cost_daily)
fill exactly as they do behind the sink: 20 provider calls per video over 30 days and 200
channels, every video requested, 95% rendered and scored, 5% failed in the narrator, the rest
published when the score passes; video_summary's milestones and video_status are written as
their views would. Every query of analytics/queries/ then runs --repeat times (after one warm-up),
first as inserted (unmerged parts), then after OPTIMIZE ... FINAL (the state merges reach).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from clickhouse_connect.driver.client import Client

from analytics.kpi import load, run_queries
from analytics.migrate import migrate
from analytics.store import connect

STAGES = "['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher']"
ENVELOPE = """
    concat('e-', toString(n)) AS event_id,
    concat('v-', toString(v)) AS video_id,
    concat('channel-', toString(v % 200)) AS channel_id,
    concat('owner-', toString(v % 40)) AS owner_id"""


def fill(client: Client, costs: int, videos: int) -> dict[str, float]:
    """Generate the history; seconds per table."""
    span_ms = 30 * 86_400_000
    at = (f"fromUnixTimestamp64Milli(toInt64(toUnixTimestamp64Milli(now64(3)) - {span_ms} "
          f"+ intDiv(v * {span_ms}, {videos})))")
    timings: dict[str, float] = {}

    def run(name: str, sql: str) -> None:
        began = time.perf_counter()
        client.command(sql, settings={"max_insert_block_size": 1_000_000})
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - began

    chunk = 1_000_000
    for start in range(0, costs, chunk):
        count = min(chunk, costs - start)
        run("cost_incurred", f"""
INSERT INTO cost_incurred
SELECT {ENVELOPE},
    {at} + toIntervalMillisecond((n % 20) * 1500) AS occurred_at,
    arrayElement({STAGES}, (n % 20) % 5 + 1) AS stage,
    arrayElement(['openai', 'elevenlabs', 'ffmpeg', 'openai', 'youtube'],
                 (n % 20) % 5 + 1) AS provider,
    arrayElement(['gpt-4o-mini', 'eleven_turbo_v2', 'x264', 'omni-moderation', 'data-api-v3'],
                 (n % 20) % 5 + 1) AS model,
    arrayElement(['tokens_out', 'characters', 'seconds', 'requests', 'youtube_quota'],
                 (n % 20) % 5 + 1) AS unit,
    toFloat64(100 + n % 1700) AS quantity,
    toDecimal64(if((n % 20) % 5 IN (0, 1), (n % 997) / 10000, 0), 6) AS usd,
    n % 9 = 0 AS cached,
    '2026-11-01' AS price_table_version,
    toString(cityHash64(n)) AS call_key,
    NULL AS cost_so_far_usd
FROM (SELECT number AS n, intDiv(number, 20) % {videos} AS v
      FROM numbers({start}, {count}))""")
    per_video = f"FROM (SELECT number AS n, number AS v FROM numbers({videos}))"
    run("script_requested", f"""
INSERT INTO script_requested
SELECT {ENVELOPE}, {at} AS occurred_at, concat('Topic ', toString(v)) AS topic,
    if(v % 4 = 0, 'SHORTS', 'LANDSCAPE') AS format, 60 AS target_duration_s, 'en' AS language,
    'informative' AS style, 70 AS quality_threshold,
    toDecimal64(if(v % 50 = 0, 0.5, 3), 6) AS budget_usd, 'private' AS privacy,
    true AS auto_publish {per_video}""")
    run("video_assembled", f"""
INSERT INTO video_assembled
SELECT {ENVELOPE}, {at} + toIntervalSecond(40 + v % 30) AS occurred_at,
    if(v % 4 = 0, 'SHORTS', 'LANDSCAPE') AS format, 60.0 AS duration_s,
    58.0 AS narration_duration_s, 1920 AS width, 1080 AS height, 21.5 AS render_seconds
{per_video} WHERE v % 20 != 7""")
    run("quality_scored", f"""
INSERT INTO quality_scored
SELECT {ENVELOPE}, {at} + toIntervalSecond(45 + v % 30) AS occurred_at,
    if(v % 4 = 0, 'SHORTS', 'LANDSCAPE') AS format, true AS auto_publish, 60.0 AS duration_s,
    toFloat64(60 + v % 40) AS score, 70 AS threshold, 60 + v % 40 >= 70 AS passed,
    [] AS reasons
{per_video} WHERE v % 20 != 7""")
    run("upload_done", f"""
INSERT INTO upload_done
SELECT {ENVELOPE}, {at} + toIntervalSecond(50 + v % 30) AS occurred_at, 'local' AS platform,
    video_id AS platform_video_id, concat('file:///', video_id) AS url, 'A title' AS title,
    60.0 AS duration_s, 'private' AS privacy, toFloat64(60 + v % 40) AS quality_score
{per_video} WHERE v % 20 != 7 AND 60 + v % 40 >= 70""")
    run("pipeline_failed", f"""
INSERT INTO pipeline_failed
SELECT {ENVELOPE}, {at} + toIntervalSecond(9) AS occurred_at, 'narrator' AS stage,
    'script.ready' AS input_topic, 'x' AS input_event_id, 'PermanentError' AS error_type,
    'espeak-ng crashed' AS error_message, false AS retryable
{per_video} WHERE v % 20 = 7""")
    run("pipeline_dlq", f"""
INSERT INTO pipeline_dlq
SELECT {ENVELOPE}, {at} + toIntervalSecond(9) AS occurred_at, 'narrator' AS stage,
    'script.ready' AS source_topic, v % 6 AS source_partition, v AS source_offset,
    'PermanentError' AS error_type, 'espeak-ng crashed' AS error_message, 1 AS attempts
{per_video} WHERE v % 20 = 7""")
    run("cost_alert", f"""
INSERT INTO cost_alert
SELECT {ENVELOPE}, {at} + toIntervalSecond(60) AS occurred_at, 'video' AS scope,
    video_id AS scope_id, 100 AS threshold_pct, toDecimal64(0.5, 6) AS budget_usd,
    toDecimal64(0.6, 6) AS spent_usd
{per_video} WHERE v % 50 = 0""")
    videos_with_ids = (f"(SELECT n, v, {ENVELOPE} "
                       f"FROM (SELECT number AS n, number AS v FROM numbers({videos})))")
    run("video_summary", f"""
INSERT INTO video_summary (video_id, channel_id, owner_id, budget_usd, requested_at,
    script_ready_at, voice_ready_at, assembled_at, scored_at, published_at, quality_passed,
    auto_publish, failed_at, failed_stages)
SELECT video_id, channel_id, owner_id, toDecimal64(if(v % 50 = 0, 0.5, 3), 6), {at},
    {at} + toIntervalSecond(2 + v % 3),
    if(v % 20 = 7, NULL, {at} + toIntervalSecond(10 + v % 5)),
    if(v % 20 = 7, NULL, {at} + toIntervalSecond(40 + v % 30)),
    if(v % 20 = 7, NULL, {at} + toIntervalSecond(45 + v % 30)),
    if(v % 20 = 7 OR 60 + v % 40 < 70, NULL, {at} + toIntervalSecond(50 + v % 30)),
    if(v % 20 = 7, NULL, toUInt8(60 + v % 40 >= 70)), if(v % 20 = 7, NULL, 1),
    if(v % 20 = 7, {at} + toIntervalSecond(9), NULL), if(v % 20 = 7, ['narrator'], [])
FROM {videos_with_ids}""")
    run("video_status", f"""
INSERT INTO video_status
SELECT video_id, channel_id, owner_id,
    multiIf(v % 20 = 7, 'failed', 60 + v % 40 < 70, 'rejected', 'published') AS status,
    'upload.done' AS _topic, event_id, {at} + toIntervalSecond(50) AS occurred_at,
    toUInt64(toUnixTimestamp64Milli(occurred_at)) * 8 AS version
FROM {videos_with_ids}""")
    return {k: round(v, 1) for k, v in timings.items()}


def latencies(client: Client, repeat: int) -> dict[str, dict[str, float]]:
    out = {}
    for kpi in load():
        run_queries(client, 30, [kpi.name])
        times = [run_queries(client, 30, [kpi.name])[0].seconds * 1000 for _ in range(repeat)]
        out[kpi.name] = {"median_ms": round(statistics.median(times), 1),
                         "max_ms": round(max(times), 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--costs", type=int, default=10_000_000)
    parser.add_argument("--videos", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": {"cpu": platform.processor() or platform.machine(),
                                          "cores": os.cpu_count(),
                                          "load_avg_1m_at_start": os.getloadavg()[0]}}
    with tempfile.TemporaryDirectory(prefix="bench-kpi-") as tmp:
        client = connect(f"chdb://{Path(tmp) / 'clickhouse'}")
        migrate(client)
        report["fill_seconds"] = fill(client, args.costs, args.videos)
        report["rows"] = {t: client.command(f"SELECT count() FROM {t}") for t in
                          ("cost_incurred", "video_summary", "cost_daily", "script_requested",
                           "video_status")}
        print(json.dumps(report, indent=2), flush=True)
        report["as_inserted"] = latencies(client, args.repeat)
        print(json.dumps(report["as_inserted"], indent=2), flush=True)
        for table in ("cost_incurred", "video_summary", "cost_daily",
                      "video_status", "script_requested", "video_assembled", "quality_scored",
                      "upload_done"):
            client.command(f"OPTIMIZE TABLE {table} FINAL")
        report["merged"] = latencies(client, args.repeat)
        report["rows_merged"] = {t: client.command(f"SELECT count() FROM {t}") for t in
                                 ("video_summary", "cost_daily")}
        client.close()
    over = {name: v["median_ms"] for name, v in report["merged"].items() if v["median_ms"] >= 200}
    report["over_200_ms_merged"] = over
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
