"""A channel's YouTube connection: consent, callback, status, local-only choice, disconnect."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import RedirectResponse

from gateway import youtube
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.payloads.youtube import ConnectOut, ConnectRequest, PublishingUpdate, YouTubeOut

router = APIRouter(tags=["youtube"])


@router.get("/channels/{channel_id}/youtube", response_model=YouTubeOut)
def get_connection(channel_id: str, db: DB, principal: CurrentUser) -> YouTubeOut:
    return YouTubeOut.model_validate(youtube.status(db, principal, channel_id))


@router.post("/channels/{channel_id}/youtube/connect", response_model=ConnectOut,
             responses={409: {"description": "YouTube connections are not configured"}})
def connect(channel_id: str, request: Request, db: DB, principal: CurrentUser,
            body: ConnectRequest | None = None) -> ConnectOut:
    url = youtube.start(db, request.app.state.settings, principal, channel_id,
                        monetary=bool(body and body.monetary))
    return ConnectOut(authorization_url=url)


@router.get("/youtube/oauth/callback", status_code=status.HTTP_303_SEE_OTHER,
            responses={303: {"description": "Back to the channel's page"},
                       400: {"description": "Consent refused or incomplete"},
                       404: {"description": "Unknown or used state"}})
def callback(request: Request, db: DB, state: str = Query(max_length=200),
             code: str | None = Query(default=None, max_length=2000),
             error: str | None = Query(default=None, max_length=200)) -> RedirectResponse:
    """Where Google sends the owner back. The state alone binds the answer to the channel (it
    is single-use, unguessable and expires), so no API key is needed here."""
    row = youtube.finish(db, request.app.state.settings, state, code, error)
    request.app.state.outbox.kick()
    return RedirectResponse(f"/channels/{row.channel_id}?youtube=connected",
                            status_code=status.HTTP_303_SEE_OTHER)


@router.patch("/channels/{channel_id}/youtube", response_model=YouTubeOut)
def set_publishing(channel_id: str, body: PublishingUpdate, request: Request, db: DB,
                   principal: CurrentUser) -> YouTubeOut:
    row = youtube.set_local_only(db, principal, channel_id, body.local_only)
    request.app.state.outbox.kick()
    return YouTubeOut.model_validate(row)


@router.delete("/channels/{channel_id}/youtube", response_model=YouTubeOut)
def disconnect(channel_id: str, request: Request, db: DB,
               principal: CurrentUser) -> YouTubeOut:
    row = youtube.disconnect(db, request.app.state.settings, principal, channel_id)
    request.app.state.outbox.kick()
    return YouTubeOut.model_validate(row)
