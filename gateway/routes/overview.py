"""The overview page: one call for its cards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from gateway import overview
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.payloads.pages import Overview

router = APIRouter(tags=["overview"])


@router.get("/overview", response_model=Overview)
def get_overview(request: Request, db: DB, principal: CurrentUser,
                 channel_id: Annotated[str | None, Query(max_length=36)] = None) -> Overview:
    """Channels, videos today and this week, spend today and this month against the monthly
    budget, success rate, quality and cost per video; one channel's with ``channel_id``."""
    return overview.overview(db, request.app.state.analytics, principal, channel_id)
