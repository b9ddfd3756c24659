"""All configuration, read once from the environment (prefix ``YTEMPIRE_``) and passed down."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YTEMPIRE_", extra="ignore")

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
    stage_max_attempts: int = 5
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 30.0

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
