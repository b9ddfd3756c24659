"""Video bodies: requests (one or a batch), cancel, and the video as answered with its page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.money import UsdOut
from gateway.payloads.common import Format, Privacy, Request, Text, Usd


class VideoCreate(Request):
    """A video for one of the caller's channels; unset options come from the channel."""

    channel_id: str = Field(max_length=36)
    topic: Text = Field(min_length=1, max_length=500, examples=["How honeybees make honey"])
    format: Format | None = None
    target_duration_s: int | None = Field(None, ge=15, le=1200)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    voice: str | None = Field(None, max_length=100)
    quality_threshold: int | None = Field(None, ge=0, le=100)
    budget_usd: Usd | None = None
    privacy: Privacy | None = None
    auto_publish: bool | None = None
    category_id: str = Field("27", pattern=r"^[0-9]{1,3}$",
                             description="YouTube category id (27 = Education)")
    made_for_kids: bool = False
    publish_at: AwareDatetime | None = Field(
        None, description="Make it public at this time; default: the channel's next "
                          "publish_schedule slot, if it has one")


class VideoCancel(Request):
    reason: str = Field("", max_length=500, description="Why; kept with the video.cancelled event")


class VideoBatchCreate(Request):
    videos: list[VideoCreate] = Field(min_length=1, max_length=50)


class VideoAccepted(BaseModel):
    id: str
    channel_id: str
    status: str
    status_url: str
    cost_estimate_usd: UsdOut


class VideoBatchAccepted(BaseModel):
    videos: list[VideoAccepted]


class ArtifactOut(BaseModel):
    uri: str
    size_bytes: int
    sha256: str
    media_type: str


class QualityOut(BaseModel):
    score: float
    threshold: int
    passed: bool
    reasons: list[str]


class YouTubeUploadOut(BaseModel):
    """The upload as YouTube last reported it: "published" on YouTube does not yet mean
    watchable while YouTube is processing the video."""

    upload_status: str = Field(description="YouTube's uploadStatus: uploaded (YouTube is still "
                                           "processing the video) | processed")
    processing_status: str | None = Field(
        description="YouTube's processingDetails.processingStatus as last read: processing | "
                    "succeeded | terminated (no longer reported); null until the metrics "
                    "collector first reads the video")
    processing: bool = Field(description="True while YouTube is still processing the upload: "
                                         "published, not yet watchable")
    checked_at: datetime | None = Field(description="When YouTube last reported a change; "
                                                    "null: not read yet")

    @classmethod
    def of(cls, upload_status: str | None, processing_status: str | None,
           checked_at: datetime | None) -> YouTubeUploadOut | None:
        if upload_status is None:
            return None
        return cls(upload_status=upload_status, processing_status=processing_status,
                   processing=upload_status == "uploaded" and processing_status != "succeeded",
                   checked_at=checked_at)


class VideoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    channel_id: str
    topic: str
    spec: dict[str, Any]
    status: str = Field(description="queued | processing | awaiting_publish | published | "
                                    "ready_not_uploaded (the channel is not connected) | "
                                    "rejected | failed | cancelled")
    current_stage: str | None
    progress: float = Field(description="Share of the five stages finished, 0 to 1")
    attempt: int
    cost_usd: UsdOut
    cost_estimate_usd: UsdOut
    title: str | None
    url: str | None
    quality: QualityOut | None
    artifacts: dict[str, ArtifactOut]
    failure_reason: str | None
    youtube: YouTubeUploadOut | None = Field(
        description="YouTube's processing of the upload; null unless published on YouTube")
    created_at: datetime
    updated_at: datetime


class VideoPage(BaseModel):
    items: list[VideoOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end")
    total: int | None = Field(None, description="Videos matching the filters, with ?total=true")
