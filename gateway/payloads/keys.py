"""The owner (``/v1/me``) and API key bodies; a key's secret appears only in ``KeyIssued``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gateway.money import UsdOut
from gateway.payloads.common import MonthlyUsd, Request


class KeyCreate(Request):
    name: str = Field("", max_length=100)


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyIssued(KeyOut):
    key: str = Field(description="The full key. Shown this once; only its hash is stored.")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str | None = Field(description="The web app's sign-in name; null: API keys only")
    tier: str
    is_admin: bool
    monthly_budget_usd: UsdOut | None = Field(
        description="What all your channels may spend per UTC month before the 80% and 100% "
                    "cost.alert notices; null: no monthly budget")
    created_at: datetime


class UserUpdate(Request):
    """Your account settings; a field left out keeps its value."""

    monthly_budget_usd: MonthlyUsd | None = Field(
        None, description="Alert at 80% and 100% of it per UTC month (cost.alert, scope "
                          "owner_month), from your next video request on; null removes it")
