"""Request and response bodies of accounts, sessions and invites (Pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gateway.payloads.common import Request, Text


def _email(value: str) -> str:
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not (at and local and "." in domain.strip(".")) or any(c.isspace() for c in value):
        raise ValueError("must be an email address, e.g. ada@example.com")
    return value.lower()


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]
NewPassword = Annotated[str, Field(min_length=10, max_length=256,
                                   description="10 to 256 characters")]
GivenPassword = Annotated[str, Field(min_length=1, max_length=256)]


class AuthConfig(BaseModel):
    signup: Literal["open", "invite", "closed"]


class Signup(Request):
    email: Email
    password: NewPassword
    name: Text = Field(min_length=1, max_length=100, description="Unique user name")
    invite_token: str | None = Field(None, max_length=200,
                                     description="Needed when sign-up is by invite")


class Login(Request):
    email: str = Field(min_length=1, max_length=254)
    password: GivenPassword


class PasswordChange(Request):
    current_password: GivenPassword
    new_password: NewPassword


class SessionOut(BaseModel):
    id: str
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    address: str
    current: bool = Field(description="The session this request came with")


class InviteCreate(Request):
    email: Email | None = Field(None, description="Only this address may use the invite")


class InviteIssued(BaseModel):
    token: str = Field(description="Shown this once; only its hash is stored")
    url: str = Field(description="The sign-up page with the token filled in")
    expires_at: datetime


class AdminUserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str | None
    tier: str
    is_admin: bool
    created_at: datetime
