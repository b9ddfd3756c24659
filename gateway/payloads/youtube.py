"""Bodies of the YouTube connection endpoints (a channel's binding, the consent URL)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from ytempire.core.google import MONETARY, publish_target

ConnectionStatus = Literal["not_connected", "connected", "reconnect_needed"]


class YouTubeOut(BaseModel):
    """Where a channel's videos go. ``publishes_to``: ``youtube`` (connected), ``local`` (the
    owner chose local only) or ``nowhere`` (videos end "ready (not uploaded)")."""

    model_config = ConfigDict(from_attributes=True)

    channel_id: str = Field(default="", exclude=True)
    status: ConnectionStatus = "not_connected"
    local_only: bool = False
    youtube_channel_id: str | None = None
    youtube_channel_title: str = ""
    scopes: str = Field(default="", exclude=True)
    connected_at: datetime | None = None
    last_error: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def granted_scopes(self) -> list[str]:
        return sorted(s.rsplit("/", 1)[-1] for s in self.scopes.split())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def monetary(self) -> bool:
        """Revenue can be read (the yt-analytics-monetary.readonly scope was granted)."""
        return MONETARY in self.scopes.split()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def publishes_to(self) -> Literal["youtube", "local", "nowhere"]:
        return publish_target(self.channel_id, self.local_only, self.status)  # type: ignore[return-value]


class ConnectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monetary: bool = Field(default=False, description="Also ask for revenue (monetized "
                                                      "channels): yt-analytics-monetary.readonly")


class ConnectOut(BaseModel):
    authorization_url: str = Field(description="Open this in the owner's browser; Google sends "
                                               "them back to the callback within 10 minutes.")


class PublishingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    local_only: bool
