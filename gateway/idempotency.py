"""``Idempotency-Key`` on POSTs: the first response is stored with the effect and replayed.

The record is committed in the same transaction as the effect, so a crash leaves either both
or neither; two racing first attempts collide on the unique key and the loser replays the
winner. Reusing a key for a different request is a 422, as the IETF draft recommends.

A response that issues a secret (an API key, a signing secret) is stored with the secret
replaced by ``REDACTED``: secrets are shown once and never kept in the clear, so a replay
says the secret was issued but not what it is (revoke and create again if it was lost).
Records expire after ``idempotency_ttl_s``: an older key is a new request, and the outbox
thread deletes expired records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.identity import Principal
from gateway.models import IdempotencyRecord

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200,
    description="Repeat a POST safely: the same key returns the first response, never a "
                "second effect.")]


REDACTED = "[redacted: shown once, in the first response]"
TTL = timedelta(hours=24)


class KeyReused(GatewayError):
    status_code = 422


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    payload = body.model_dump_json() if body is not None else ""
    return hashlib.sha256(f"{method} {path}\n{payload}".encode()).hexdigest()


def _replay(db: Session, principal: Principal, key: str, digest: str) -> JSONResponse | None:
    record = db.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.owner_id == principal.user_id, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.created_at < datetime.now(UTC) - TTL:
        db.delete(record)  # expired: this is a new request, committed with its effect
        db.flush()
        return None
    if record.request_hash != digest:
        raise KeyReused(f"Idempotency-Key {key!r} was already used for a different request "
                        f"({record.method} {record.path}); use a new key")
    return JSONResponse(record.response, status_code=record.status_code,
                        headers={"Idempotent-Replayed": "true"})


def redact(content: Any, fields: Sequence[str]) -> Any:
    """``content`` with the values of ``fields`` replaced, wherever they are nested."""
    if isinstance(content, dict):
        return {k: REDACTED if k in fields else redact(v, fields) for k, v in content.items()}
    if isinstance(content, list):
        return [redact(item, fields) for item in content]
    return content


def expire(db: Session, ttl: timedelta = TTL) -> int:
    """Delete records past their lifetime; how many."""
    result = db.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at < datetime.now(UTC) - ttl))
    db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_once(db: Session, principal: Principal, key: str | None, method: str, path: str,
             body: BaseModel | None, effect: Callable[[], tuple[int, BaseModel]],
             secret_fields: Sequence[str] = ()) -> JSONResponse:
    """Run ``effect`` (uncommitted DB changes) once per key; commit it with its response (the
    ``secret_fields`` of it redacted)."""
    digest = fingerprint(method, path, body)
    if key is not None and (replayed := _replay(db, principal, key, digest)) is not None:
        return replayed
    status, response = effect()
    content = response.model_dump(mode="json")
    if key is not None:
        db.add(IdempotencyRecord(owner_id=principal.user_id, key=key, method=method, path=path,
                                 request_hash=digest, status_code=status,
                                 response=redact(content, secret_fields)))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        if key is not None and (replayed := _replay(db, principal, key, digest)) is not None:
            return replayed
        raise
    return JSONResponse(content, status_code=status)
