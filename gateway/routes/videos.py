"""Videos: request (single and batch), read, list, retry, cancel."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from gateway import approvals, video_list, videos
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.idempotency import IdempotencyKey, run_once
from gateway.models import Video
from gateway.payloads.pages import (
    CostCallOut,
    VideoCosts,
    VideoPublish,
    VideoReject,
    VideoSort,
)
from gateway.payloads.videos import (
    QualityOut,
    VideoAccepted,
    VideoBatchAccepted,
    VideoBatchCreate,
    VideoCancel,
    VideoCreate,
    VideoOut,
    VideoPage,
    YouTubeUploadOut,
)

router = APIRouter(prefix="/videos", tags=["videos"])

ACCEPTED = {409: {"description": "Channel deleted, or the channel's daily budget, the tier's "
                                 "cap or the owner's monthly budget reached (the detail says "
                                 "which)"},
            503: {"description": "Broker unavailable; repeat with the same Idempotency-Key"}}


def out(video: Video) -> VideoOut:
    return VideoOut(
        id=video.id, channel_id=video.channel_id, topic=video.topic, spec=video.spec,
        status=video.status, current_stage=video.current_stage,
        progress=round(video.stages_done / videos.STEPS, 2), attempt=video.attempt,
        cost_usd=video.cost_usd, cost_estimate_usd=video.estimate_usd, title=video.title,
        url=video.url, quality=QualityOut(**video.quality) if video.quality else None,
        artifacts=video.artifacts, failure_reason=video.failure_reason,
        youtube=YouTubeUploadOut.of(video.youtube_upload_status,
                                    video.youtube_processing_status, video.youtube_checked_at),
        created_at=video.created_at, updated_at=video.updated_at)


def accepted(request: Request, video: Video) -> VideoAccepted:
    return VideoAccepted(id=video.id, channel_id=video.channel_id, status=video.status,
                         status_url=str(request.url_for("get_video", video_id=video.id)),
                         cost_estimate_usd=video.estimate_usd)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=VideoAccepted,
             responses=ACCEPTED)
def create_video(request: Request, body: VideoCreate, db: DB, principal: CurrentUser,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    created: list[Video] = []
    cap = request.app.state.gateway.tier_caps.get(principal.tier)

    def effect() -> tuple[int, VideoAccepted]:
        created.extend(videos.create(db, principal, [body], idempotency_key,
                                     settings=request.app.state.settings, cap=cap))
        return 202, accepted(request, created[0])

    response = run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect)
    ids = [v.id for v in created] or [_json(response)["id"]]
    videos.send_unsent(db, request.app.state.publisher, videos.by_ids(db, principal, ids))
    response.headers["Location"] = str(request.url_for("get_video", video_id=ids[0]))
    return response


@router.post("/batch", status_code=status.HTTP_202_ACCEPTED, response_model=VideoBatchAccepted,
             responses=ACCEPTED)
def create_videos(request: Request, body: VideoBatchCreate, db: DB, principal: CurrentUser,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Up to 50 videos, all or none: one invalid item rejects the whole batch. Counts as one
    request per video against the rate limit."""
    if len(body.videos) > 1:
        request.state.quota = request.app.state.limiter.check(principal, len(body.videos) - 1)
    cap = request.app.state.gateway.tier_caps.get(principal.tier)

    def effect() -> tuple[int, VideoBatchAccepted]:
        rows = videos.create(db, principal, body.videos, idempotency_key,
                             settings=request.app.state.settings, cap=cap)
        return 202, VideoBatchAccepted(videos=[accepted(request, v) for v in rows])

    response = run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect)
    ids = [v["id"] for v in _json(response)["videos"]]
    videos.send_unsent(db, request.app.state.publisher, videos.by_ids(db, principal, ids))
    return response


@router.get("", response_model=VideoPage,
            responses={422: {"description": "Bad filter, or a cursor from another sort"}})
def list_videos(
    db: DB, principal: CurrentUser,
    channel_id: Annotated[str | None, Query(max_length=36)] = None,
    status: Annotated[str | None, Query(max_length=20, description="e.g. queued, processing, "
                                       "awaiting_publish, published, ready_not_uploaded, "
                                       "rejected")] = None,
    since: Annotated[AwareDatetime | None, Query(description="Created at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Created before")] = None,
    created_after: Annotated[AwareDatetime | None, Query(description="Same as since")] = None,
    created_before: Annotated[AwareDatetime | None, Query(description="Same as until")] = None,
    sort: VideoSort = "-created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    total: Annotated[bool, Query(description="Also count every match (one more query)")] = False,
) -> VideoPage:
    """Newest first by default; pages by cursor (keyset), as fast on page 2,000 as on page 1."""
    filters = video_list.Filters(channel_id=channel_id, status=status,
                                 since=since or created_after, until=until or created_before)
    rows, next_cursor = video_list.page(db, principal, filters, sort=sort, limit=limit,
                                        cursor=cursor)
    return VideoPage(items=[out(v) for v in rows], next_cursor=next_cursor,
                     total=video_list.total(db, principal, filters) if total else None)


@router.get("/{video_id}", response_model=VideoOut)
async def get_video(video_id: str, db: DB, principal: CurrentUser) -> VideoOut:
    """Status polling is the hottest route: one indexed read by primary key, so it runs on the
    event loop; a worker-thread hop cost more CPU than the query (docs/benchmarks.md)."""
    return out(videos.get(db, principal, video_id))


@router.get("/{video_id}/costs", response_model=VideoCosts)
def get_video_costs(video_id: str, db: DB, principal: CurrentUser) -> VideoCosts:
    """Every provider call of the video (all attempts), oldest first."""
    rows = videos.cost_calls(db, principal, video_id)
    calls = [CostCallOut(at=row.occurred_at, stage=row.data["stage"],
                         provider=row.data["provider"], model=row.data.get("model"),
                         unit=row.data.get("unit"), quantity=row.data.get("quantity"),
                         usd=Decimal(row.data["usd"]), cached=row.data["cached"],
                         attempt=row.data.get("attempt", 1)) for row in rows]
    return VideoCosts(video_id=video_id, total_usd=sum((c.usd for c in calls), Decimal("0")),
                      calls=calls)


@router.post("/{video_id}/retry", status_code=status.HTTP_202_ACCEPTED,
             response_model=VideoAccepted, responses=ACCEPTED)
def retry_video(request: Request, video_id: str, db: DB, principal: CurrentUser,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    def effect() -> tuple[int, VideoAccepted]:
        return 202, accepted(request, videos.retry(db, principal, video_id))

    response = run_once(db, principal, idempotency_key, "POST", request.url.path, None, effect)
    videos.send_unsent(db, request.app.state.publisher, [videos.get(db, principal, video_id)])
    return response


@router.post("/{video_id}/cancel", response_model=VideoOut,
             responses={409: {"description": "Already finished (published, rejected, failed, "
                                             "cancelled or awaiting a manual publish)"},
                        503: {"description": "Broker unavailable: the cancel is recorded and "
                                             "sent later; repeat with the same Idempotency-Key"}})
def cancel_video(request: Request, video_id: str, db: DB, principal: CurrentUser,
                 body: VideoCancel | None = None,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Stop the pipeline for the video's current attempt: every stage skips its events from
    now on, and nothing is uploaded unless the upload has already begun. A begun upload cannot
    be taken back: the video then turns ``published`` when it is done (watch its status or
    ``upload.done``). A cancelled video can be retried (``POST .../retry``)."""
    body = body or VideoCancel()

    def effect() -> tuple[int, VideoOut]:
        return 200, out(videos.cancel(db, principal, video_id, body.reason))

    response = run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect)
    video = videos.get(db, principal, video_id)
    videos.send_cancellations(db, request.app.state.publisher,
                              videos.unsent_cancellations(db, video))
    return response


DECIDED = {409: {"description": "Not awaiting publish (or rejected, for publish)"},
           422: {"description": "A rejected video needs a reason to be published"},
           503: {"description": "Broker unavailable: the decision is recorded and sent later"}}


def _decide(request: Request, db: DB, principal: CurrentUser, video_id: str, now_: bool,
            body: VideoPublish, key: str | None) -> JSONResponse:
    def effect() -> tuple[int, VideoOut]:
        video, approval = approvals.decide(db, principal, video_id, now_=now_,
                                           reason=body.reason)
        if approval.override or approval.reason:
            request.state.audit_note = (
                f"{'override: ' if approval.override else ''}publish by {approval.approved_by}"
                f": {approval.reason}")[:2000]
        return 200, out(video)

    response = run_once(db, principal, key, "POST", request.url.path, body, effect)
    video = videos.get(db, principal, video_id)
    approvals.send(db, request.app.state.publisher, request.app.state.codec,
                   approvals.unsent(db, video))
    return response


@router.post("/{video_id}/approve", response_model=VideoOut, responses=DECIDED)
def approve_video(request: Request, video_id: str, db: DB, principal: CurrentUser,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Publish a video held for review (``awaiting_publish``) at its slot: the requested
    ``publish_at`` if still ahead, else the channel's next scheduled slot, else now."""
    return _decide(request, db, principal, video_id, False, VideoPublish(), idempotency_key)


@router.post("/{video_id}/publish", response_model=VideoOut, responses=DECIDED)
def publish_video(request: Request, video_id: str, db: DB, principal: CurrentUser,
                  body: VideoPublish | None = None,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Publish now. For a video the quality gate (or you) rejected this is an owner override:
    it needs a ``reason``, kept with who decided in the audit log and on ``video.approved``."""
    return _decide(request, db, principal, video_id, True, body or VideoPublish(),
                   idempotency_key)


@router.post("/{video_id}/reject", response_model=VideoOut,
             responses={409: {"description": "Not awaiting publish"}})
def reject_video(request: Request, video_id: str, body: VideoReject, db: DB,
                 principal: CurrentUser, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Keep a held video from being published (it can still be published with a reason)."""
    def effect() -> tuple[int, VideoOut]:
        return 200, out(approvals.reject(db, principal, video_id, body.reason))

    return run_once(db, principal, idempotency_key, "POST", request.url.path, body, effect)


def _json(response: JSONResponse) -> dict[str, Any]:
    return json.loads(bytes(response.body))  # type: ignore[no-any-return]
