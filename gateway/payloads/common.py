"""Shared pieces of the request and response bodies: the strict ``Request`` base and the
validated types several resources use."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import urlsplit

from croniter import croniter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ytempire.core import schedule

Format = Literal["16:9", "9:16"]
Privacy = Literal["private", "unlisted", "public"]
Usd = Annotated[Decimal, Field(gt=0, le=10_000, decimal_places=6)]
MonthlyUsd = Annotated[Decimal, Field(gt=0, le=100_000, decimal_places=6)]
"""An owner's monthly budget: up to $100,000 (more is taken for a typo)."""




def _cron(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise ValueError("publish_schedule must be a 5-field cron expression, e.g. '0 9 * * 1-5'")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain something other than whitespace")
    return value.strip()


def _timezone(value: str | None) -> str | None:
    if value is not None:
        try:
            schedule.zone(value)
        except schedule.ScheduleError as exc:
            raise ValueError(str(exc)) from None
    return value


def _feed_url(value: str) -> str:
    """An http(s) URL with a host and no credentials in it (the trends stage fetches it)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("a feed must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("a feed URL must not carry a user name or password")
    return value.strip()


Cron = Annotated[str | None, AfterValidator(_cron)]
TimeZone = Annotated[str, Field(max_length=64, examples=["Europe/Lisbon"]),
                     AfterValidator(_timezone)]
TopicMode = Literal["auto", "manual"]
Text = Annotated[str, AfterValidator(_not_blank)]
FeedUrl = Annotated[str, Field(min_length=10, max_length=500,
                               examples=["https://example.com/feed.xml"]),
                    AfterValidator(_feed_url)]
MAX_FEEDS = 10


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")
