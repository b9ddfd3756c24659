"""Inbound source bodies and the signed payload an external system sends."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.payloads.common import Request, Text
from gateway.payloads.videos import VideoCreate


class InboundSourceCreate(Request):
    name: Text = Field(min_length=1, max_length=100, examples=["content calendar"])
    channel_id: str | None = Field(None, max_length=36,
                                   description="Where requested videos go unless they name one")


class InboundSourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    channel_id: str | None
    created_at: datetime


class InboundSourceIssued(InboundSourceOut):
    secret: str = Field(description="Signs what the source sends (YTEmpire-Signature). Shown "
                                    "this once.")
    receive_url: str = Field(description="Where the source POSTs its signed events")


class InboundVideo(VideoCreate):
    channel_id: str | None = Field(None, max_length=36,  # type: ignore[assignment]
                                   description="Default: the source's channel")


class InboundPayload(Request):
    """What an external system POSTs to ``/v1/inbound/{source_id}``, signed like our webhooks."""

    id: str | None = Field(None, min_length=1, max_length=150,
                           description="The sender's event id: a repeat is answered, not redone")
    type: Literal["video.requested"]
    data: InboundVideo


class InboundEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    type: str
    status: str = Field(description="accepted | rejected")
    video_id: str | None
    error: str | None
    received_at: datetime
