"""The ClickHouse views and KPI queries spell the pipeline's steps out (SQL cannot import the
manifest): they must name the manifest's steps, in order, so adding a stage to the line fails
here until a migration and the queries follow."""

from __future__ import annotations

import re

from ytempire.core.manifest import PIPELINE
from ytempire.core.settings import PROJECT_ROOT

ANALYTICS = PROJECT_ROOT / "analytics"
STEPS = [s.name for s in PIPELINE.steps]


def _names(sql_list: str) -> list[str]:
    return re.findall(r"'([\w.-]+)'", sql_list)


def _latest_status_view() -> str:
    """The newest migration that defines how a video's status follows its topics."""
    migrations = sorted((ANALYTICS / "migrations").glob("*.sql"))
    return next(p.read_text() for p in reversed(migrations) if "transform(_topic" in p.read_text())


def test_the_status_view_follows_the_manifest_steps() -> None:
    sql = _latest_status_view()
    topics, statuses = re.search(r"transform\(_topic,\s*\[(.*?)\],\s*\[(.*?)\]", sql, re.S).groups()
    assert _names(topics) == PIPELINE.progress_topics[:-1]
    assert _names(statuses) == ["requested", *STEPS[:-1]]
    [failed_by] = re.findall(r"JSONExtractString\(value, 'stage'\) IN \((.*?)\)", sql)
    assert _names(failed_by) == STEPS


def test_kpi_queries_order_stages_as_the_manifest_does() -> None:
    ordered = {path.name: _names(match) for path in (ANALYTICS / "queries").glob("*.sql")
               for match in re.findall(r"indexOf\(\[(.*?)\], stage\)", path.read_text())}
    assert ordered, "no query orders by stage any more: drop this test"
    assert all(names == STEPS for names in ordered.values()), ordered

