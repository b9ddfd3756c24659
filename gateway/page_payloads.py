"""Request and response bodies of the web app's page endpoints (Pydantic): video decisions,
the video list's sort orders, the overview cards, per-call costs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.payloads import Request, Text


class VideoPublish(Request):
    reason: str = Field("", max_length=1000,
                        description="Required to publish a rejected video (an owner override); "
                                    "kept in the audit log and on video.approved")


class VideoReject(Request):
    reason: Text = Field(min_length=1, max_length=1000)


VideoSort = Literal["-created_at", "created_at", "-cost", "cost", "-updated_at", "updated_at"]
"""Sort orders the list keeps fast (each has an index); '-' is newest/most expensive first."""
