"""The ``ytempire`` command."""

from __future__ import annotations

import typer

from ytempire.app.cli import (
    analytics,
    broker,
    gateway,
    inspect,
    pipeline,
    prices,
    topics,
    youtube,
)
from ytempire.app.cli import dlq as dlq_cli
from ytempire.app.cli import metrics as metrics_cli
from ytempire.app.cli import replay as replay_cli

app = typer.Typer(help="YTEmpire: topic in, published video out.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
app.add_typer(broker.app, name="broker")
app.add_typer(topics.app, name="topics")
app.add_typer(inspect.schemas_app, name="schemas")
app.add_typer(analytics.app, name="analytics")
app.command()(analytics.kpi)
app.add_typer(gateway.users_app, name="users")
app.command()(gateway.gateway)
app.command()(inspect.tail)
app.command()(prices.prices)
app.add_typer(dlq_cli.app, name="dlq")
app.add_typer(youtube.app, name="youtube")
app.add_typer(metrics_cli.app, name="metrics")
app.command()(replay_cli.replay)
for command in pipeline.COMMANDS:
    app.command()(command)


def main() -> None:
    app()
