"""Keeping the performance rollups (``performance_video``, ``performance_channel_day``, migration
0014) in step with ``video_metrics``, a few rows at a time.

Why recompute rather than add: the latest observation of a (video, day) wins, and YouTube
revises recent days, so a rollup fed row by row would count a revised day twice. Inserting
ANALYTICS rows marks their (video, day) pairs in ``performance_dirty_days`` (a materialized
view, so the mark is part of the insert, migration 0016); ``refresh`` recomputes, from
``video_metrics FINAL``, the marked videos' rows (all their days: a video's days are one
row of arrays) and the marked channel-days, then clears those marks. Recomputing whole channels
instead took 39.7 s for 20 channels of 9,000,000 rows at a load of 11, after every insert; the
marked rows take what docs/benchmarks.md says. The sink calls it after each ``video.metrics``
insert, from its one writer thread, so a mark made meanwhile is never cleared unread; a mark
left by a crash is taken by the next refresh.
"""

from __future__ import annotations

from pathlib import Path

from clickhouse_connect.driver.client import Client

ROLLUPS_DIR = Path(__file__).resolve().parent / "rollups"
STATEMENTS = ("performance_refresh_video.sql", "performance_refresh_channel_day.sql")


def refresh(client: Client) -> int:
    """Recompute the marked videos and channel-days; returns how many videos were marked."""
    marked, cutoff = client.query(
        "SELECT uniqExact(owner_id, channel_id, video_id), max(marked_at) "
        "FROM performance_dirty_days").result_rows[0]
    if not marked:
        return 0
    for name in STATEMENTS:
        client.command((ROLLUPS_DIR / name).read_text(), parameters={"cutoff": cutoff})
    client.command("DELETE FROM performance_dirty_days "
                   "WHERE marked_at <= {cutoff:DateTime64(3, 'UTC')}",
                   parameters={"cutoff": cutoff})
    return int(marked)
