"""A video's files for the web app's player and previews, with HTTP Range so seeking works."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from gateway import artifacts, videos
from gateway.auth import CurrentUser
from gateway.db import DB

router = APIRouter(prefix="/videos", tags=["videos"])


@router.get("/{video_id}/artifacts/{kind}", response_class=FileResponse, responses={
    200: {"content": {"video/mp4": {}, "image/png": {}, "image/jpeg": {}}},
    206: {"description": "The requested byte range (Range: bytes=...)"},
    404: {"description": "No such video of yours, or no such file yet"},
    416: {"description": "The range lies outside the file"}})
def get_artifact(request: Request, video_id: str, kind: artifacts.Kind, db: DB,
                 principal: CurrentUser) -> FileResponse:
    """The rendered MP4 (``video``) or the thumbnail; answers ranges (206) for seeking."""
    video = videos.get(db, principal, video_id)
    db.close()  # a long download holds no pooled connection
    path, media_type = artifacts.locate(request.app.state.settings, video, kind)
    return FileResponse(path, media_type=media_type, content_disposition_type="inline",
                        filename=f"{video_id}{path.suffix}",
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "private, max-age=3600"})
