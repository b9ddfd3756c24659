"""``GET /health``: no auth, says whether the database answers and the projection runs."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from gateway.db import DB
from gateway.payloads.health import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(request: Request, response: Response, db: DB) -> Health:
    try:
        db.execute(text("SELECT 1"))
        database = True
    except Exception:
        database = False
    projection = request.app.state.projection
    state = "disabled" if projection is None else projection.state
    ok = database and state in ("running", "disabled")
    if not database:
        response.status_code = 503
    return Health(status="ok" if ok else "degraded", database=database, projection=state)
