"""Topic backlog bodies: a topic added by hand, and a channel's backlog as answered."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gateway.payloads.common import Request

TopicStatus = Literal["pinned", "approved", "candidate", "skipped", "refused", "used"]


class TopicAdd(Request):
    title: str = Field(min_length=1, max_length=1000, examples=["How astronauts sleep in orbit"],
                       description="3 to 200 characters once spaces are collapsed; approved "
                                   "when added")


class BacklogTopicOut(BaseModel):
    topic_id: str
    title: str
    source: str = Field(description="offline | feed | youtube_trending | youtube_search | "
                                    "by_hand")
    ref: str = ""
    score: float | None = Field(description="0..1; null until the scheduler has scored a "
                                            "topic added by hand")
    parts: dict[str, float] = Field(description="trend, forecast, fit and novelty, each 0..1")
    reasons: list[str]
    refused: str = Field("", description="Why it can never be taken; empty when it can")
    decision: str = Field("", description="The owner's: empty, approved, skipped or pinned")
    status: TopicStatus = Field(description="What a slot would do with it: pinned topics go "
                                            "first, then approved and candidates by score (a "
                                            "candidate only in auto mode)")
    used_by: str | None = Field(None, description="The video made on it")
    used_at: datetime | None = None


class BacklogOut(BaseModel):
    channel_id: str
    mode: str = Field(description="auto: the best approved or candidate topic; manual: only "
                                  "approved (and pinned) ones")
    scored_at: datetime | None = Field(description="When the scheduler last sent the backlog; "
                                                   "null before the channel has a schedule")
    topics: list[BacklogTopicOut]
