"""Prices every provider call from the dated price table in ``ytempire/core/prices/``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PRICES_DIR = Path(__file__).parent / "prices"


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


@dataclass(frozen=True)
class PriceTable:
    version: str
    rows: dict[tuple[str, str, str], tuple[Decimal, Decimal]]

    def price(self, provider: str, model: str, unit: str, quantity: float | Decimal) -> Decimal:
        try:
            usd, per = self.rows[(provider, model, unit)]
        except KeyError:
            raise UnknownPrice(
                f"no price for {provider}/{model} per {unit} in table {self.version}; "
                f"add it to ytempire/core/prices/{self.version}.yaml"
            ) from None
        return (usd * Decimal(str(quantity)) / per).quantize(Decimal("0.000001"))


@lru_cache(maxsize=1)
def current_table() -> PriceTable:
    """The newest dated table."""
    path = sorted(PRICES_DIR.glob("*.yaml"))[-1]
    doc = yaml.safe_load(path.read_text())
    rows = {
        (r["provider"], r["model"], r["unit"]): (Decimal(r["usd"]), Decimal(str(r.get("per", 1))))
        for r in doc["prices"]
    }
    return PriceTable(str(doc["version"]), rows)


def bill(usage: Iterable[Usage]) -> dict[str, Any]:
    """Price usage now, as JSON a stage caches with its result so redeliveries repeat the figure."""
    table = current_table()
    return {
        "price_table_version": table.version,
        "usage": [{**u.as_json(), "usd": str(table.price(u.provider, u.model, u.unit, u.quantity))}
                  for u in usage],
    }
