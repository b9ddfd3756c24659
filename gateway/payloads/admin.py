"""Operator bodies: dead letters (list, show, retry, purge) and system KPIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from gateway.payloads.common import Request


class DlqRetried(BaseModel):
    entry_id: str
    retried_at: datetime
    topic: str
    partition: int
    offset: int
    forced: bool


class DlqEntryOut(BaseModel):
    id: str = Field(description="<partition>-<offset> on pipeline.dlq")
    partition: int
    offset: int
    timestamp: datetime
    stage: str
    source_topic: str
    source_partition: int
    source_offset: int
    error_type: str
    error_message: str
    attempts: int
    video_id: str
    event_id: str
    status: Literal["pending", "retried"]
    retried: DlqRetried | None
    original_bytes: int


class DlqEntryDetail(DlqEntryOut):
    original_key: str | None
    original: dict[str, Any] | None = Field(description="The failed message, decoded")
    original_error: str | None = Field(description="Why it does not decode, if it does not")
    original_hex: str | None = None


class DlqListing(BaseModel):
    count: int
    pending: int
    by_stage: dict[str, int]
    by_topic: dict[str, int]
    entries: list[DlqEntryOut]


class DlqRetryOut(BaseModel):
    id: str
    status: Literal["retried", "skipped"]
    reason: str
    retried: DlqRetried | None


class DlqRetryMatching(Request):
    """Retry every entry matching all the given conditions (already retried ones are skipped)."""

    stage: str | None = Field(None, max_length=50)
    topic: str | None = Field(None, max_length=100)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    force: bool = False


class DlqRetryReport(BaseModel):
    outcomes: list[DlqRetryOut]


class DlqPurge(Request):
    before: AwareDatetime | None = Field(None, description="Only entries older than this")
    include_pending: bool = Field(False, description="Also drop entries nobody retried")
    dry_run: bool = False


class DlqPurgeOut(BaseModel):
    removed: int
    kept_pending: int
    dry_run: bool
    partitions: dict[str, dict[str, int]]


class KpiOut(BaseModel):
    name: str
    description: str
    columns: list[str]
    rows: list[list[Any]]
    seconds: float
    error: str | None
