"""Spend as CSV for spreadsheets: quoted by the csv module, and safe to open.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula
to Excel, LibreOffice and Google Sheets; a video id or provider name arriving that way could
run one on the owner's machine (OWASP "CSV injection"). Such cells get a leading apostrophe,
which spreadsheets show as text; amounts are written by us and never start that way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from gateway.payloads.costs import SpendReport

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = {"day": "day", "provider": "provider", "stage": "stage", "channel": "channel_id",
          "video": "video_id"}
MAX_ROWS = 100_000


def safe_cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def spend_csv(report: SpendReport) -> str:
    """The header row, then one row per key: key, USD (6 decimals), provider calls."""
    return to_csv([(HEADER[report.by], "usd", "calls"),
                   *((row.key, f"{row.usd:.6f}", row.calls) for row in report.rows)])


def filename(report: SpendReport, first: date, last: date) -> str:
    return f"ytempire-costs-by-{report.by}-{first}-{last}.csv"
