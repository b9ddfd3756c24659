"""Every Grafana panel's SQL runs on ClickHouse (chdb) over a seeded history and returns the
columns the panel shows; provisioning points every panel at the one data source."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from tests.analytics.seed import Seeded
from ytempire.core.settings import PROJECT_ROOT

GRAFANA = PROJECT_ROOT / "analytics" / "grafana"
DASHBOARDS = {p.stem: json.loads(p.read_text())
              for p in sorted((GRAFANA / "dashboards").glob("*.json"))}
PANELS = [(name, panel) for name, board in DASHBOARDS.items() for panel in board["panels"]]
NUMBER = re.compile(r"^(Nullable\()?(U?Int\d+|Float\d+|Decimal)")
TIME = re.compile(r"^(Nullable\()?DateTime")


def expand_macros(sql: str, start: datetime, end: datetime) -> str:
    """What grafana-clickhouse-datasource does to $__timeFilter, $__fromTime and $__toTime."""
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    sql = re.sub(r"\$__timeFilter\(([^)]+)\)",
                 lambda m: f"{m.group(1)} >= toDateTime({start_s}) AND "
                           f"{m.group(1)} <= toDateTime({end_s})", sql)
    return sql.replace("$__fromTime", f"toDateTime({start_s})").replace(
        "$__toTime", f"toDateTime({end_s})").replace("${channel}", "")  # "All"


def test_the_three_dashboards_are_provisioned_against_one_clickhouse_source() -> None:
    titles = {board["title"].split("·")[-1].strip() for board in DASHBOARDS.values()}
    assert {"Costs", "Pipeline health", "Channels", "Performance"} <= titles
    assert len({board["uid"] for board in DASHBOARDS.values()}) == len(DASHBOARDS)
    [source] = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "clickhouse.yaml").read_text())["datasources"]
    assert source["type"] == "grafana-clickhouse-datasource"
    for _, panel in PANELS:
        assert panel["datasource"]["uid"] == source["uid"]
        assert [t["datasource"]["uid"] for t in panel["targets"]] == [source["uid"]]
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "ytempire.yaml").read_text())["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"]


@pytest.mark.parametrize("panel", [p for _, p in PANELS],
                         ids=[f"{name}:{p['title']}" for name, p in PANELS])
def test_panel_sql_returns_the_columns_the_panel_shows(seeded: Seeded,
                                                       panel: dict[str, Any]) -> None:
    [target] = panel["targets"]
    end = datetime.now(UTC) + timedelta(minutes=1)
    sql = expand_macros(target["rawSql"], end - timedelta(days=30), end)
    assert "$" not in sql, f"unexpanded Grafana variable in {panel['title']!r}"
    result = seeded.client.query(sql)
    columns, types = list(result.column_names), [t.name for t in result.column_types]
    assert result.result_rows, f"{panel['title']!r} returned nothing over the seeded history"
    if panel["type"] == "timeseries":
        assert target["format"] == 0 and columns[0] == "time" and TIME.match(types[0])
        assert any(NUMBER.match(t) for t in types[1:]), types
        assert all(NUMBER.match(t) or "String" in t for t in types[1:]), types
    else:
        [organize] = [t for t in panel["transformations"] if t["id"] == "organize"]
        assert columns == list(organize["options"]["indexByName"])
        assert set(organize["options"]["renameByName"]) <= set(columns)
