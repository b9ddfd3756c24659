"""Operator endpoints (admin users only): the dead-letter queue and the system-wide KPI set.

They call the same ``ytempire.runtime.dlq`` functions as ``ytempire dlq list|show|retry|purge``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from confluent_kafka import KafkaException
from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from gateway.auth import CurrentAdmin
from gateway.db import DB
from gateway.errors import Conflict, GatewayError, NotFound, Unavailable
from gateway.idempotency import IdempotencyKey, run_once
from gateway.payloads.admin import (
    DlqEntryDetail,
    DlqListing,
    DlqPurge,
    DlqPurgeOut,
    DlqRetryMatching,
    DlqRetryOut,
    DlqRetryReport,
    KpiOut,
)
from ytempire.runtime import dlq, dlq_retry
from ytempire.runtime.replay import ReplayError

router = APIRouter(prefix="/admin", tags=["admin"],
                   responses={403: {"description": "Not an admin user's key"},
                              503: {"description": "The broker did not answer"}})


class BadFilter(GatewayError):
    status_code = 422


def _dlq_call(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a ``ytempire.runtime.dlq`` function, its errors as HTTP ones."""
    try:
        return call(*args, **kwargs)
    except dlq.EntryNotFound as exc:
        raise NotFound(str(exc)) from None
    except dlq.AlreadyRetried as exc:
        raise Conflict(str(exc)) from None
    except dlq.DlqError as exc:
        raise BadFilter(str(exc)) from None
    except (KafkaException, ReplayError) as exc:
        raise Unavailable(f"the broker did not answer: {exc}") from None


@router.get("/dlq", response_model=DlqListing)
def list_dlq(request: Request, _: CurrentAdmin,
             stage: Annotated[str | None, Query(max_length=50)] = None,
             topic: Annotated[str | None, Query(max_length=100)] = None,
             status: Annotated[str | None, Query(pattern="^(pending|retried)$")] = None,
             since: AwareDatetime | None = None, until: AwareDatetime | None = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Dead-lettered messages (the newest ``limit``), with counts per stage and topic."""
    where = dlq.DlqFilter(stage=stage, topic=topic, since=since, until=until, status=status)
    listing = _dlq_call(dlq.list_entries, request.app.state.settings, where, limit)
    return listing.as_dict()  # type: ignore[no-any-return]


@router.get("/dlq/{entry_id}", response_model=DlqEntryDetail)
def show_dlq_entry(request: Request, entry_id: str, _: CurrentAdmin) -> dict[str, Any]:
    """One entry with its original message, decoded when it decodes."""
    settings = request.app.state.settings
    entry = _dlq_call(dlq.get_entry, settings, entry_id)
    doc: dict[str, Any] = json.loads(json.dumps(dlq.describe(settings, entry), default=str))
    return doc


@router.post("/dlq/{entry_id}/retry", response_model=DlqRetryOut,
             responses={409: {"description": "Already retried; pass force=true"}})
def retry_dlq_entry(request: Request, entry_id: str, db: DB, admin: CurrentAdmin,
                    force: bool = False, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Send the original message back to its topic (every consumer there is idempotent)."""
    def effect() -> tuple[int, DlqRetryOut]:
        outcome = _dlq_call(dlq_retry.retry_entry, request.app.state.settings, entry_id, force)
        return 200, DlqRetryOut(**outcome.as_dict())

    path = f"{request.url.path}?force={force}"
    return run_once(db, admin, idempotency_key, "POST", path, None, effect)


@router.post("/dlq/retry", response_model=DlqRetryReport)
def retry_dlq_matching(request: Request, body: DlqRetryMatching, db: DB, admin: CurrentAdmin,
                       idempotency_key: IdempotencyKey = None) -> JSONResponse:
    def effect() -> tuple[int, DlqRetryReport]:
        where = dlq.DlqFilter(stage=body.stage, topic=body.topic, since=body.since,
                              until=body.until)
        outcomes = _dlq_call(dlq_retry.retry_matching, request.app.state.settings, where,
                             body.force)
        return 200, DlqRetryReport(outcomes=[DlqRetryOut(**o.as_dict()) for o in outcomes])

    return run_once(db, admin, idempotency_key, "POST", request.url.path, body, effect)


@router.post("/dlq/purge", response_model=DlqPurgeOut, status_code=status.HTTP_200_OK)
def purge_dlq(request: Request, body: DlqPurge, db: DB, admin: CurrentAdmin,
              idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Delete old entries; stops at the first one nobody retried unless ``include_pending``."""
    def effect() -> tuple[int, DlqPurgeOut]:
        result = _dlq_call(dlq.purge, request.app.state.settings, body.before,
                           body.include_pending, body.dry_run)
        return 200, DlqPurgeOut(**result.as_dict())

    return run_once(db, admin, idempotency_key, "POST", request.url.path, body, effect)


@router.get("/kpis", response_model=list[KpiOut])
def system_kpis(request: Request, _: CurrentAdmin,
                days: Annotated[int, Query(ge=1, le=366)] = 30) -> list[dict[str, Any]]:
    """Every KPI of ``analytics/queries`` over all users (what ``ytempire kpi`` prints)."""
    return request.app.state.analytics.reader().kpis(days)  # type: ignore[no-any-return]
