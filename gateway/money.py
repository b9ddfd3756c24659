"""How money leaves the API: exact decimal strings with at least cents ('3.00', '0.0125')."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer


def usd_text(value: Decimal) -> str:
    """Dollars as a string with at least cents and no trailing zeros past them: '3.00', '0.0125'."""
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


UsdOut = Annotated[Decimal, PlainSerializer(usd_text, return_type=str)]
