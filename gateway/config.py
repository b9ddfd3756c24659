"""Gateway-only settings (env prefix ``YTEMPIRE_GATEWAY_``), read once and passed down.

Kept beside the kernel ``Settings`` because only the gateway reads them; the database URL, the
broker and the data directory still come from the kernel.
"""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.caps import TierCap


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YTEMPIRE_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    consume: bool = True
    """Run the status projection (a Kafka consumer thread) inside the API process."""
    consumer_group: str = "ytempire.gateway"
    publish_timeout_s: float = 5.0
    """How long ``POST /v1/videos`` waits for the broker's acknowledgement before a 503."""
    redis_url: str = ""
    """Rate limits live in Redis when set (shared by all gateway processes), else in-process."""
    rate_limits: dict[str, int] = {"free": 120, "pro": 1200}
    """Requests per user (all its keys and inbound sources) per window, by the user's tier
    (JSON in the environment); a batch of n videos counts n."""
    rate_limit_window_s: int = 60
    tier_caps: dict[str, TierCap] = {
        "free": TierCap(videos_per_day=100, usd_per_day=50, max_target_duration_s=1200)}
    """What each tier may submit (JSON): videos and estimated dollars in 24 hours, the longest
    video; a tier not listed has no cap beyond its channels' budgets"""
    anonymous_limit: int = 60
    """Unauthenticated requests and failed authentications per client address per window"""
    max_body_bytes: int = 1024 * 1024
    """Largest request body; refused with a 413 while it is read, before any parsing"""
    inbound_max_body_bytes: int = 64 * 1024
    docs: bool = True
    """Serve /docs, /redoc and /openapi.json (off for a gateway facing strangers)"""
    webhook_max_attempts: int = 8
    webhook_backoff_base_s: float = 2.0
    webhook_deadline_s: float = 10.0
    """One webhook attempt, all of it (connect, TLS, request, the answer's head)"""
    webhook_senders: int = 8
    """Webhook attempts in flight at once; one per owner, so eight owners' endpoints"""
    webhook_secret_overlap_s: int = 86400
    """After a rotation, deliveries are signed with the old secret too for this long"""
    webhooks_per_user: int = 10
    inbound_sources_per_user: int = 10
    egress_allow: list[str] = []
    """Networks webhooks may reach besides public addresses (JSON), e.g.
    ``["127.0.0.0/8"]`` for a local deployment whose receivers run on this machine"""
    webhook_replay_window_s: int = 300
    sse_ping_s: float = 15.0
    notify_failures: int = 3
    """Failures of one stage (distinct videos of an owner) within the window that make a notice"""
    notify_failures_window_s: int = 3600
    notify_dlq_thresholds: list[int] = [1, 10, 100, 1000]
    """Dead letters of an owner in 24 hours at which a ``dlq.growing`` notice goes out"""
    notify_max_age_s: int = 86400
    """Older events (a new consumer group reading history) are logged and listed, not sent"""
    analytics_open_store: bool = False
    """Open a chdb store no analytics sink holds (one-process setups, tests). Off by default:
    the gateway then reads through the running sink and never locks it out of its store."""
    signup: Literal["open", "invite", "closed"] = "closed"
    """Who may make a web account: anyone, holders of an admin's invite, or nobody (the operator
    runs ``ytempire users create NAME --email ...``)."""
    public_url: str = ""
    """The address people open (invite links); default: the address of the admin's request."""
    session_ttl_s: int = 14 * 86400
    """A browser session lasts this long from sign-in; signing in again starts a new one."""
    invite_ttl_s: int = 7 * 86400
    login_failures_per_account: int = 5
    login_failures_per_address: int = 30
    login_failure_window_s: int = 900
    """Failed sign-ins counted per account and per client address over this window; past
    either limit sign-in answers 429 until the window has passed."""
