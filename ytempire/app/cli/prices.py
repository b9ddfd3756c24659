"""``ytempire prices``: the price table in use, each row's source and check date, and whether
the table is stale."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ytempire.core.pricing import STALE_AFTER_DAYS, current_table


def prices(
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the table is stale")]
    = False,
) -> None:
    """Print the price table in use; warn when it was checked more than 90 days ago."""
    table = current_table()
    out = Console()
    grid = Table(title=f"price table {table.version} (checked {table.checked}, "
                       f"{table.age_days()} days ago)", title_justify="left")
    for column in ("provider", "model", "unit", "usd", "per", "checked", "source"):
        grid.add_column(column)
    for key, (usd, per) in sorted(table.rows.items()):
        source, checked = table.sources[key]
        grid.add_row(*key, str(usd), str(per), str(checked), source)
    out.print(grid)
    warning = table.staleness()
    if warning is None:
        out.print(f"[green]fresh[/]: every row checked within {STALE_AFTER_DAYS} days")
        return
    out.print(f"[yellow]warning[/]: {warning}")
    if strict:
        raise typer.Exit(1)
