"""Prices every provider call from the dated price table in ``ytempire/core/prices/``.

Every row says where its figure was published (``source``) and when someone last compared it
with that source (``checked``); a table whose oldest check is more than ``STALE_AFTER_DAYS``
old is stale: ``ytempire prices``, the workers' start-up log and the ``price_table_age`` KPI
say so, because a price that moved makes every estimate and budget check wrong quietly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PRICES_DIR = Path(__file__).parent / "prices"
STALE_AFTER_DAYS = 90


class UnknownPrice(LookupError):
    """No price for a provider/model/unit: add a row to the newest table in
    ytempire/core/prices/."""


@dataclass(frozen=True)
class Usage:
    """One metered quantity of one provider call, priced by the stage from the price table."""

    provider: str
    model: str
    unit: str
    quantity: float

    def as_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "model": self.model, "unit": self.unit,
                "quantity": self.quantity}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Usage:
        return cls(doc["provider"], doc["model"], doc["unit"], float(doc["quantity"]))


class BadPriceTable(ValueError):
    """A price table row without its price, source or check date."""


@dataclass(frozen=True)
class PriceTable:
    version: str
    rows: dict[tuple[str, str, str], tuple[Decimal, Decimal]]
    sources: dict[tuple[str, str, str], tuple[str, date]]
    """Where each row's figure was published, and the day it was last checked there."""

    @property
    def checked(self) -> date:
        """The oldest check of any row: the table is as fresh as its stalest price."""
        return min(checked for _, checked in self.sources.values())

    def age_days(self, today: date | None = None) -> int:
        return ((today or datetime.now(UTC).date()) - self.checked).days

    def staleness(self, today: date | None = None) -> str | None:
        """A warning when the table is older than ``STALE_AFTER_DAYS``, else None."""
        age = self.age_days(today)
        if age <= STALE_AFTER_DAYS:
            return None
        return (f"price table {self.version} was last checked {age} days ago ({self.checked}); "
                f"compare its rows with their sources and save the result as a new dated table "
                f"in ytempire/core/prices/")

    def price(self, provider: str, model: str, unit: str, quantity: float | Decimal) -> Decimal:
        try:
            usd, per = self.rows[(provider, model, unit)]
        except KeyError:
            raise UnknownPrice(
                f"no price for {provider}/{model} per {unit} in table {self.version}; "
                f"add it to ytempire/core/prices/{self.version}.yaml"
            ) from None
        return (usd * Decimal(str(quantity)) / per).quantize(Decimal("0.000001"))


def load_table(path: Path) -> PriceTable:
    """One dated table; every row must carry usd, source and checked (an ISO date)."""
    doc = yaml.safe_load(path.read_text())
    rows, sources = {}, {}
    for row in doc["prices"]:
        key = (row["provider"], row["model"], row["unit"])
        missing = [f for f in ("usd", "source", "checked") if not row.get(f)]
        if missing:
            raise BadPriceTable(f"{path.name}: row {'/'.join(key)} has no {', '.join(missing)}")
        rows[key] = (Decimal(row["usd"]), Decimal(str(row.get("per", 1))))
        sources[key] = (str(row["source"]), date.fromisoformat(str(row["checked"])))
    return PriceTable(str(doc["version"]), rows, sources)


@lru_cache(maxsize=1)
def current_table() -> PriceTable:
    """The newest dated table."""
    return load_table(sorted(PRICES_DIR.glob("*.yaml"))[-1])


def bill(usage: Iterable[Usage]) -> dict[str, Any]:
    """Price usage now, as JSON a stage caches with its result so redeliveries repeat the figure."""
    table = current_table()
    return {
        "price_table_version": table.version,
        "usage": [{**u.as_json(), "usd": str(table.price(u.provider, u.model, u.unit, u.quantity))}
                  for u in usage],
    }
