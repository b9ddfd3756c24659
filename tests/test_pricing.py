"""The price table stays honest: every row has its source and check date, every model and unit
the stages can bill has a row, and a table older than 90 days is reported as stale (CLI, KPI)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analytics.kpi import price_table_age
from gateway.estimate import estimate
from processors.providers.thumbnail.openai_image import SIZES
from ytempire.app.cli import app
from ytempire.core import pricing
from ytempire.core.pricing import BadPriceTable, current_table, load_table
from ytempire.core.settings import Settings

OLD_TABLE = """\
version: "2026-01-01"
prices:
  - {provider: openai, model: gpt-4o, unit: tokens_in, usd: "2.50", per: 1000000,
     source: "https://openai.com/api/pricing/", checked: "2026-01-01"}
"""


def billable(tmp_path: Path) -> set[tuple[str, str, str]]:
    """Every (provider, model, unit) the stages can bill with the settings' model choices:
    the estimate of a video with every paid provider on, each tier, and every model a setting
    names by default or a provider knows."""
    credentials = tmp_path / "youtube"
    credentials.mkdir()
    (credentials / "ch.json").write_text("{}")
    keys: set[tuple[str, str, str]] = set()
    for budget in ("3.00", "0.0001"):
        for settings in (Settings(data_dir=tmp_path),
                         Settings(data_dir=tmp_path, openai_api_key="k", elevenlabs_api_key="x",
                                  thumbnail_provider="openai",
                                  youtube_credentials_dir=credentials)):
            planned = estimate(settings, "ch", {"target_duration_s": 60, "budget_usd": budget})
            keys |= {(line.provider, line.model, line.unit) for line in planned.lines}
    defaults = Settings()
    keys |= {("openai", defaults.script_model_economy, "tokens_in"),
             ("openai", defaults.tts_model, "characters"),
             ("elevenlabs", defaults.elevenlabs_model, "characters"),
             *(("openai", model, "images") for model in SIZES),
             ("generated", "background", "images"),
             ("blocklist", "blocklist", "characters"),
             ("pexels", "videos", "requests"), ("pexels", "photos", "requests")}
    return keys


def test_every_billable_model_and_unit_has_a_row(tmp_path: Path) -> None:
    table = current_table()
    missing = sorted(key for key in billable(tmp_path) if key not in table.rows)
    assert not missing, f"no price row for {missing}"


def test_every_row_names_its_source_and_when_it_was_checked() -> None:
    table = current_table()
    assert set(table.sources) == set(table.rows)
    for key, (source, checked) in table.sources.items():
        assert source and checked >= table.checked
        if table.rows[key][0] > 0:  # a paid figure points at the page that publishes it
            assert source.startswith("https://"), (key, source)


def test_a_row_without_a_check_date_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2026-02-01.yaml"
    path.write_text(OLD_TABLE.replace(', checked: "2026-01-01"', ""))
    with pytest.raises(BadPriceTable, match="openai/gpt-4o/tokens_in has no checked"):
        load_table(path)


def test_a_table_checked_more_than_90_days_ago_is_stale(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-01.yaml"
    path.write_text(OLD_TABLE)
    table = load_table(path)
    assert table.staleness(table.checked + timedelta(days=90)) is None
    warning = table.staleness(table.checked + timedelta(days=91))
    assert warning is not None and "91 days ago" in warning


def test_cli_and_kpi_warn_about_a_stale_table(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    fresh = runner.invoke(app, ["prices", "--strict"])
    assert fresh.exit_code == 0 and "fresh" in fresh.output
    (tmp_path / "2026-01-01.yaml").write_text(OLD_TABLE)
    monkeypatch.setattr(pricing, "PRICES_DIR", tmp_path)
    current_table.cache_clear()
    try:
        stale = runner.invoke(app, ["prices", "--strict"], env={"COLUMNS": "200"})
        assert stale.exit_code == 1
        assert "warning" in stale.output and "2026-01-01" in stale.output
        kpi = price_table_age()
        assert kpi.rows[0][3] is True and kpi.error is not None
    finally:
        monkeypatch.undo()
        current_table.cache_clear()
    assert price_table_age().rows[0][3] is False
