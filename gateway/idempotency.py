"""``Idempotency-Key`` on POSTs: the first response is stored with the effect and replayed.

The record is committed in the same transaction as the effect, so a crash leaves either both
or neither; two racing first attempts collide on the unique key and the loser replays the
winner. Reusing a key for a different request is a 422, as the IETF draft recommends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.identity import Principal
from gateway.models import IdempotencyRecord

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200,
    description="Repeat a POST safely: the same key returns the first response, never a "
                "second effect.")]


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
    if record.request_hash != digest:
        raise KeyReused(f"Idempotency-Key {key!r} was already used for a different request "
                        f"({record.method} {record.path}); use a new key")
    return JSONResponse(record.response, status_code=record.status_code,
                        headers={"Idempotent-Replayed": "true"})


def run_once(db: Session, principal: Principal, key: str | None, method: str, path: str,
             body: BaseModel | None, effect: Callable[[], tuple[int, BaseModel]]) -> JSONResponse:
    """Run ``effect`` (uncommitted DB changes) once per key; commit it with its response."""
    digest = fingerprint(method, path, body)
    if key is not None and (replayed := _replay(db, principal, key, digest)) is not None:
        return replayed
    status, response = effect()
    content = response.model_dump(mode="json")
    if key is not None:
        db.add(IdempotencyRecord(owner_id=principal.user_id, key=key, method=method, path=path,
                                 request_hash=digest, status_code=status, response=content))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        if key is not None and (replayed := _replay(db, principal, key, digest)) is not None:
            return replayed
        raise
    return JSONResponse(content, status_code=status)
