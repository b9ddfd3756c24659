"""Keeping the performance rollups (``performance_video``, ``performance_channel_day``, migration
0014) in step with ``video_metrics``.

Why recompute rather than add: the latest observation of a (video, day) wins, and YouTube
revises recent days, so a rollup fed row by row would count a revised day twice. Inserting
ANALYTICS rows marks their channel in ``performance_dirty`` (a materialized view, so the mark is
part of the insert); ``refresh`` recomputes the marked channels from ``video_metrics FINAL`` and
clears their marks. The sink calls it after each ``video.metrics`` insert, from its one writer
thread, so a mark made meanwhile is never cleared unread; a mark left by a crash is taken by the
next refresh.
"""

from __future__ import annotations

from pathlib import Path

from clickhouse_connect.driver.client import Client

ROLLUPS_DIR = Path(__file__).resolve().parent / "rollups"
STATEMENTS = ("performance_refresh_video.sql", "performance_refresh_channel_day.sql")


def refresh(client: Client) -> int:
    """Recompute the marked channels' rollups; returns how many channels were marked."""
    marked, cutoff = client.query(
        "SELECT uniqExact(owner_id, channel_id), max(marked_at) FROM performance_dirty"
    ).result_rows[0]
    if not marked:
        return 0
    for name in STATEMENTS:
        client.command((ROLLUPS_DIR / name).read_text(), parameters={"cutoff": cutoff})
    client.command("DELETE FROM performance_dirty WHERE marked_at <= {cutoff:DateTime64(3, 'UTC')}",
                   parameters={"cutoff": cutoff})
    return int(marked)
