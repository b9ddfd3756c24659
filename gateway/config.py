"""Gateway-only settings (env prefix ``YTEMPIRE_GATEWAY_``), read once and passed down.

Kept beside the kernel ``Settings`` because only the gateway reads them; the database URL, the
broker and the data directory still come from the kernel.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


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
    """Requests per API key per window, by the user's tier (JSON in the environment)."""
    rate_limit_window_s: int = 60
    webhook_max_attempts: int = 8
    webhook_backoff_base_s: float = 2.0
    webhook_timeout_s: float = 5.0
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
