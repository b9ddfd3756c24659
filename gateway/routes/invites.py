"""Operator endpoints for web accounts: invites (one-time sign-up links) and the user list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlalchemy import select

from gateway import accounts
from gateway.auth import CurrentAdmin
from gateway.db import DB
from gateway.models import User
from gateway.payloads.accounts import AdminUserOut, InviteCreate, InviteIssued

router = APIRouter(prefix="/admin", tags=["admin"],
                   responses={403: {"description": "Not an admin user"}})


@router.post("/invites", status_code=status.HTTP_201_CREATED, response_model=InviteIssued)
def create_invite(request: Request, db: DB, principal: CurrentAdmin,
                  body: InviteCreate | None = None) -> InviteIssued:
    """A link that lets one person sign up (when sign-up is by invite); it expires."""
    settings = request.app.state.gateway
    invite, token = accounts.create_invite(db, principal.user_id, body.email if body else None,
                                           settings.invite_ttl_s)
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return InviteIssued(token=token, url=f"{base}/signup?invite={token}",
                        expires_at=invite.expires_at)


@router.get("/users", response_model=list[AdminUserOut])
def list_users(db: DB, _: CurrentAdmin,
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[User]:
    return list(db.scalars(select(User).order_by(User.created_at).limit(limit)))
