"""The caller's own account (identity, settings such as the monthly budget) and API keys: list,
create (shown once), revoke."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from gateway import channel_events
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.errors import NotFound
from gateway.idempotency import IdempotencyKey, run_once
from gateway.identity import issue_key
from gateway.models import ApiKey, User
from gateway.payloads.keys import KeyCreate, KeyIssued, KeyOut, UserOut, UserUpdate

router = APIRouter(tags=["identity"])


@router.get("/me", response_model=UserOut)
def me(db: DB, principal: CurrentUser) -> User:
    return db.get_one(User, principal.user_id)


@router.patch("/me", response_model=UserOut)
def update_me(request: Request, body: UserUpdate, db: DB, principal: CurrentUser) -> User:
    """Change your settings. A monthly budget reaches the ledger with your next video request."""
    user = db.get_one(User, principal.user_id)
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    channel_events.mark_owner(db, user.id)  # the scheduler reads the budget with the channels
    db.commit()
    request.app.state.outbox.kick()
    return user


@router.get("/keys", response_model=list[KeyOut])
def list_keys(db: DB, principal: CurrentUser) -> list[ApiKey]:
    return list(db.scalars(select(ApiKey).where(ApiKey.user_id == principal.user_id)
                           .order_by(ApiKey.created_at)))


@router.post("/keys", status_code=status.HTTP_201_CREATED, response_model=KeyIssued)
def create_key(request: Request, body: KeyCreate, db: DB, principal: CurrentUser,
               idempotency_key: IdempotencyKey = None) -> JSONResponse:
    def effect() -> tuple[int, KeyIssued]:
        issued = issue_key(db, principal.user_id, body.name)
        out = KeyOut.model_validate(issued.key).model_dump()
        return 201, KeyIssued(**out, key=issued.secret)

    return run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect,
                    secret_fields=("key",))


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(request: Request, key_id: str, db: DB, principal: CurrentUser) -> None:
    """Refused from now on by this gateway process, within seconds by any other."""
    key = db.scalar(select(ApiKey).where(ApiKey.id == key_id,
                                         ApiKey.user_id == principal.user_id))
    if key is None:
        raise NotFound(f"key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        db.commit()
    request.app.state.keys.forget(key_id)
