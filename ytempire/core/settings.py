"""All configuration, read once from the environment (prefix ``YTEMPIRE_``) and passed down."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOPIC_SOURCES = ("offline", "feeds", "youtube", "llm")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YTEMPIRE_", extra="ignore",
                                      populate_by_name=True)

    kafka_bootstrap: str = "127.0.0.1:9092"
    data_dir: Path = PROJECT_ROOT / ".data"
    cache_dir: Path = Path.home() / ".cache" / "ytempire"
    clickhouse_dsn: str = ""
    database_url: str = ""
    log_format: str = Field(default="auto", description="auto | json | console")
    log_level: str = "info"

    schemas_dir: Path = PROJECT_ROOT / "schemas"
    topics_file: Path = PROJECT_ROOT / "topics.yaml"

    consumer_group_prefix: str = Field(
        default="ytempire", description="Stage groups are '<prefix>.<stage>' (one per stage)."
    )
    kafka_version: str = "4.4.0"
    broker_heap: str = "512m"

    default_budget_usd: Decimal = Decimal("3.00")
    default_quality_threshold: int = 70
    # Transient errors (timeouts, 429, 5xx) are retried with full-jitter exponential backoff:
    # 10 attempts capped at 60 s wait 92-184 s in all, so a provider down for a minute or two
    # delays videos; a longer outage parks them in the DLQ as retryable (`ytempire dlq retry`).
    stage_max_attempts: int = 10
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 60.0

    # Providers. Choice is configuration only: a stage uses a hosted provider when its key is
    # set and the offline one otherwise. Keys are SecretStr so they never print or log.
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("YTEMPIRE_OPENAI_API_KEY", "OPENAI_API_KEY"))
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("YTEMPIRE_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="Any OpenAI-compatible server (Ollama, vLLM...); None = api.openai.com.")
    script_model_premium: str = "gpt-4o"
    script_model_economy: str = "gpt-4o-mini"
    moderation_model: str = "omni-moderation-latest"
    tts_model: str = Field(default="tts-1", description="OpenAI speech: the economy voice tier.")
    image_model: str = Field(default="gpt-image-1", description="OpenAI thumbnails.")
    thumbnail_provider: str = Field(
        default="title_card", description="title_card (local, default) | openai")
    elevenlabs_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("YTEMPIRE_ELEVENLABS_API_KEY", "ELEVENLABS_API_KEY"))
    elevenlabs_base_url: str | None = None
    elevenlabs_model: str = "eleven_multilingual_v2"
    voice_provider: str = Field(
        default="auto", description="auto (elevenlabs, else openai, else espeak by keys set) | "
                                    "elevenlabs | openai | espeak")
    pexels_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("YTEMPIRE_PEXELS_API_KEY", "PEXELS_API_KEY"))
    pexels_base_url: str = "https://api.pexels.com"
    youtube_credentials_dir: Path | None = Field(
        default=None, description="<dir>/<channel_id>.json: OAuth authorized-user credentials "
                                  "(refresh token) per channel; None = publish to local folders.")
    youtube_api_base_url: str | None = Field(
        default=None, description="Root URL of the YouTube Data API (tests point it locally).")
    youtube_token_uri: str | None = Field(
        default=None, description="OAuth token endpoint; None = Google's. google-auth ignores a "
                                  "token_uri inside a credentials file on purpose.")
    youtube_api_key: SecretStr | None = Field(
        default=None, description="A Data API key for public data (the youtube topic source "
                                  "reads charts and searches with it, no OAuth).")
    youtube_daily_quota: int = 10_000
    youtube_analytics_daily_quota: int = Field(
        default=100_000, description="YouTube Analytics API units a day (a quota of its own; "
                                     "check the project's figure in the Cloud console).")
    youtube_quota_kept_for_uploads: int = Field(
        default=3_300, description="Data API units the metrics collector leaves for uploads "
                                   "(two uploads at 1,650): it reads no more once only these "
                                   "are left today.")
    youtube_client_id: str = Field(
        default="", description="OAuth 2.0 web client of the Google Cloud project; empty = "
                                "channels cannot be connected from the product.")
    youtube_client_secret: SecretStr | None = None
    youtube_auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    youtube_revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    youtube_redirect_uri: str = Field(
        default="http://127.0.0.1:8000/v1/youtube/oauth/callback",
        description="Where Google sends the owner back; must be registered on the client.")
    youtube_analytics_base_url: str | None = Field(
        default=None, description="Root URL of the YouTube Analytics API (tests point it "
                                  "locally); None = Google's.")
    youtube_token_keys: SecretStr | None = Field(
        default=None, description="Fernet keys, comma-separated, that encrypt stored refresh "
                                  "tokens and signing secrets: the first encrypts, all decrypt "
                                  "(rotation: put a new key first, run 'ytempire youtube "
                                  "rotate-keys', drop the old).")
    provider_timeout_s: float = 120.0
    provider_max_retries: int = Field(
        default=2, description="Retries inside a provider client (429/5xx, with its backoff) "
                               "before the stage worker's own retries take over.")

    scheduler_horizon_hours: float = Field(
        default=48.0, gt=0, le=24 * 14, description="How far ahead the scheduler plans slots.")
    scheduler_lead_margin_minutes: float = Field(
        default=30.0, ge=0, description="Added to a channel's measured time to publish (p90) "
                                        "to know how early to request a slot's video.")
    scheduler_default_lead_minutes: float = Field(
        default=120.0, ge=0, description="How early a slot's video is requested before that "
                                         "channel has a measured time to publish.")
    scheduler_tick_seconds: float = Field(
        default=15.0, gt=0, description="How often `ytempire scheduler-clock` sends the time.")
    topic_source: str = Field(
        default="offline",
        description="Where channels' topics come from, comma-separated (processors.trends): "
                    "offline (feed files under topic_feeds_dir + a deterministic brainstorm "
                    "in the niche) | feeds (the feeds each channel lists) | youtube (most "
                    "popular videos per region and category, a keyword search now and then) | "
                    "llm (an OpenAI brainstorm within the niche, priced).")
    topic_feeds_dir: Path | None = Field(
        default=None, description="RSS/Atom files the offline source reads (*.xml, and "
                                  "<channel_id>/*.xml for one channel); None = <data_dir>/feeds.")
    egress_allow: list[str] = Field(
        default=[], description="Networks the workers may fetch user-given URLs from (a "
                                "channel's topic feeds), e.g. [\"10.0.0.0/8\"]; otherwise "
                                "public addresses only (ytempire.core.egress).")
    topic_refresh_minutes: float = Field(
        default=60.0, gt=0, description="How often the trends stage rediscovers a channel's "
                                        "topics (a new view snapshot of its source videos).")
    topic_search_hours: float = Field(
        default=24.0, gt=0, description="How often a channel's niche is searched on YouTube "
                                        "(search.list costs 100 quota units a call).")
    youtube_trend_regions: str = Field(
        default="US", description="Regions whose most popular videos are candidates "
                                  "(comma-separated ISO 3166-1 codes).")
    youtube_trend_categories: str = Field(
        default="", description="Video category ids for chart=mostPopular, comma-separated; "
                                "empty = every category.")
    topic_llm_model: str = Field(
        default="gpt-4o-mini", description="The model of the llm topic source.")

    @field_validator("topic_source")
    @classmethod
    def _known_sources(cls, value: str) -> str:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = sorted(set(names) - set(TOPIC_SOURCES))
        if unknown or not names:
            raise ValueError(f"topic_source names {', '.join(unknown) or 'nothing'}; choose "
                             f"from {', '.join(TOPIC_SOURCES)}, comma-separated")
        return ",".join(names)

    @property
    def topic_sources(self) -> list[str]:
        return self.topic_source.split(",")

    def group_id(self, stage: str) -> str:
        return f"{self.consumer_group_prefix}.{stage}"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def channels_dir(self) -> Path:
        return self.data_dir / "channels"

    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "kafka"

    @property
    def effective_clickhouse_dsn(self) -> str:
        return self.clickhouse_dsn or f"chdb://{self.data_dir / 'clickhouse'}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'gateway.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; read once at start-up."""
    return Settings()
