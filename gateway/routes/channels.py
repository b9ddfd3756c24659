"""Channels: CRUD, soft delete and restore, at most five active per user; each change is sent
as ``channel.updated`` by the outbox, kicked once committed."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from gateway import channels
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.idempotency import IdempotencyKey, run_once
from gateway.models import Channel
from gateway.payloads.channels import ChannelCreate, ChannelOut, ChannelUpdate

router = APIRouter(prefix="/channels", tags=["channels"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ChannelOut,
             responses={409: {"description": "Five active channels already"}})
def create_channel(request: Request, body: ChannelCreate, db: DB, principal: CurrentUser,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    quota = request.app.state.settings.youtube_daily_quota

    def effect() -> tuple[int, ChannelOut]:
        return 201, ChannelOut.model_validate(channels.create(db, principal, body, quota))

    response = run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect)
    request.app.state.outbox.kick()
    return response


@router.get("", response_model=list[ChannelOut])
def list_channels(db: DB, principal: CurrentUser, include_deleted: bool = False) -> list[Channel]:
    return channels.list_(db, principal, include_deleted)


@router.get("/{channel_id}", response_model=ChannelOut)
def get_channel(channel_id: str, db: DB, principal: CurrentUser) -> Channel:
    return channels.get(db, principal, channel_id)


@router.patch("/{channel_id}", response_model=ChannelOut)
def update_channel(request: Request, channel_id: str, body: ChannelUpdate, db: DB,
                   principal: CurrentUser) -> Channel:
    channel = channels.update(db, principal, channel_id, body,
                              request.app.state.settings.youtube_daily_quota)
    request.app.state.outbox.kick()
    return channel


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(request: Request, channel_id: str, db: DB, principal: CurrentUser) -> None:
    channels.delete(db, principal, channel_id)
    request.app.state.outbox.kick()


@router.post("/{channel_id}/restore", response_model=ChannelOut,
             responses={409: {"description": "Five active channels already"}})
def restore_channel(request: Request, channel_id: str, db: DB, principal: CurrentUser,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    def effect() -> tuple[int, ChannelOut]:
        return 200, ChannelOut.model_validate(channels.restore(db, principal, channel_id))

    response = run_once(db, principal, idempotency_key, "POST", request.url.path, None, effect)
    request.app.state.outbox.kick()
    return response

