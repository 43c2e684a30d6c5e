"""One Settings object, read from the environment and `.env`."""

from __future__ import annotations

import base64
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.config import secret_file

#: the most pipeline processes "auto" starts (more cores are left to other processes)
MAX_AUTO_PROCESSES = 8
#: the value an earlier .env.example shipped with: refused in every environment
EXAMPLE_SECRET = "change-me-this-is-the-shipped-development-secret-key"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Settings(BaseSettings):
    """Every setting of the service. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    app_name: str = "cvmatch"
    environment: Literal["development", "test", "production"] = "development"
    base_url: str = Field(
        default="",
        description="The service's own public origin; the console runs there. "
        "Unset, it follows HOST and PORT.",
    )
    #: where `make run` serves; BASE_URL follows them unless set
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    # database
    database_url: str = "sqlite+aiosqlite:///./data/cvmatch.db"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_pool_recycle: int = Field(default=1800, ge=30, description="Below MySQL wait_timeout.")
    db_echo: bool = False

    # security
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs tokens and download links; unset: generated in SECRET_KEY_FILE.",
    )
    secret_key_file: Path = Path("./data/secret_key")
    access_token_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    auth_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="How long a process reuses the account behind a bearer token without "
        "reading it again (0: read it on every request). Erasing an account or changing "
        "its admin or active flag takes effect at once in the process that writes it.",
    )
    download_url_seconds: int = Field(default=600, ge=10, le=86400)
    #: how long the file links in CSV and XLSX exports stay valid
    export_link_seconds: int = Field(default=30 * 86400, ge=60, le=366 * 86400)
    min_password_length: int = Field(default=10, ge=8, le=128)

    # http
    cors_origins: Annotated[list[str], NoDecode] = [
        "http://localhost:4200",
        "http://localhost:3000",
        "http://localhost:5173",
    ]
    trusted_proxies: Annotated[list[str], NoDecode] = []

    # storage and uploads
    upload_dir: Path = Path("./uploads")
    max_upload_mb: int = Field(default=10, ge=1, le=1024, description="Per-file limit.")
    max_request_mb: int = Field(default=512, ge=1, le=100_000, description="Per-request total.")
    max_files_per_request: int = Field(default=1000, ge=1, le=100_000)

    # privacy (docs/privacy.md)
    #: days a closed posting's candidates are kept (a posting may set its own); unset: kept
    retention_days: int | None = Field(default=None, ge=1, le=36500)
    #: how often the privacy sweep runs (retention purge, blob and temporary-file sweep);
    #: 0 schedules none (run `python -m api.cli privacy-sweep` from cron instead)
    privacy_sweep_seconds: float = Field(default=3600.0, ge=0, le=7 * 86400)
    #: an unreferenced blob or temporary file is swept once this old
    orphan_grace_seconds: int = Field(default=3600, ge=0, le=7 * 86400)
    #: AES-256-GCM key (urlsafe base64 of 32 bytes) for stored CV files; unset: plain
    file_encryption_key: SecretStr | None = None
    #: earlier keys, comma-separated: still read, never written (key rotation)
    file_encryption_old_keys: SecretStr | None = None

    # logging
    log_level: str = "INFO"
    log_json: bool = False
    log_dir: Path = Path("./logs")

    # events
    redis_url: str | None = None

    # live push (WebSocket and SSE)
    ws_ping_seconds: float = Field(default=20.0, gt=0, le=3600)
    ws_send_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    ws_queue_size: int = Field(default=256, ge=4, le=100_000)
    push_poll_seconds: float = Field(
        default=0.5, gt=0, le=60, description="Event-log poll while Redis is absent or down."
    )
    push_safety_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    sse_keepalive_seconds: float = Field(default=15.0, gt=0, le=300)

    # jobs
    #: units one process runs at once; "auto": at least 2, and enough to keep every
    #: pipeline process busy
    worker_concurrency: Annotated[int, Field(ge=1, le=256)] | Literal["auto"] = "auto"
    executor_threads: int = Field(default=4, ge=1, le=256)
    #: worker processes for CPU-heavy pipeline steps (`ctx.offload`). "auto" (the
    #: default) starts one per core on a machine with two or more (at most 8) and none on
    #: one core; 0 runs them in the unit's executor thread, which shares this process's
    #: GIL with the event loop
    pipeline_processes: Annotated[int, Field(ge=0, le=64)] | Literal["auto"] = "auto"
    #: a unit's events (`job.file`, `job.log`) are written and pushed this soon after
    #: they happen; larger values batch more per transaction (faster screenings on a
    #: database with slow commits, slower live updates)
    event_flush_ms: int = Field(default=20, ge=1, le=1000)
    enable_dispatcher: bool = True
    enable_test_pipelines: bool | None = None
    #: modules whose `JOB_TYPES` are registered too, when test pipelines are enabled
    #: (comma-separated in CVMATCH_EXTRA_PIPELINES; tests and benchmarks use it)
    extra_pipelines: Annotated[list[str], NoDecode] = Field(
        default=[], validation_alias=AliasChoices("cvmatch_extra_pipelines", "extra_pipelines")
    )
    job_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    lease_seconds: float = Field(default=30.0, ge=2, le=30)
    #: a process whose heartbeat is older than this is dead: its units go back to the
    #: queue without waiting for their leases to expire
    worker_dead_seconds: float = Field(default=8.0, ge=2, le=300)
    default_max_execution_seconds: int = Field(default=3600, ge=1)
    default_max_attempts: int = Field(default=3, ge=1, le=50)
    graceful_timeout_seconds: float = Field(default=25.0, ge=0)

    # limits (multipart uploads are bounded by max_request_mb instead of max_body_kb)
    max_body_kb: int = Field(default=1024, ge=1, le=1_048_576, description="Non-upload bodies.")
    rate_limit_enabled: bool = True
    #: failed logins of one account from one client before each next try waits
    #: login_first_delay_seconds, then twice as long each time, up to the maximum;
    #: other clients of the account are not slowed
    login_failures_before_delay: int = Field(default=5, ge=1, le=100_000)
    login_first_delay_seconds: int = Field(default=1, ge=1, le=86400)
    login_max_delay_seconds: int = Field(default=900, ge=1, le=86400)
    login_failures_per_ip: int = Field(default=50, ge=1, le=1_000_000)
    #: failed logins of every account from every client together, per window
    login_failures_global: int = Field(default=1000, ge=1, le=100_000_000)
    login_window_seconds: int = Field(default=300, ge=1, le=86400)
    registrations_per_ip: int = Field(default=20, ge=1, le=1_000_000)
    registration_window_seconds: int = Field(default=3600, ge=1, le=86400)
    submissions_per_user: int = Field(default=60, ge=1, le=1_000_000)
    submission_window_seconds: int = Field(default=60, ge=1, le=86400)
    ws_max_message_bytes: int = Field(default=16 * 1024, ge=64, le=16 * 1024 * 1024)
    ws_messages_per_second: float = Field(default=10.0, gt=0, le=10_000)
    ws_message_burst: int = Field(default=30, ge=1, le=100_000)
    security_headers: bool = True
    hsts_seconds: int = Field(default=0, ge=0, description="Strict-Transport-Security; 0 = off.")

    # observability
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token for scrapers; admins may always read /metrics."
    )
    metrics_db_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    otel_enabled: bool = False
    otel_service_name: str = "cvmatch"

    @field_validator("cors_origins", "trusted_proxies", "extra_pipelines", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("file_encryption_key", "file_encryption_old_keys")
    @classmethod
    def _file_keys(cls, value: SecretStr | None) -> SecretStr | None:
        for key in split_keys(value):
            decode_file_key(key)
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "mysql+aiomysql://")):
            raise ValueError("DATABASE_URL must use sqlite+aiosqlite:// or mysql+aiomysql://")
        return value

    @field_validator("secret_key", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("secret_key")
    @classmethod
    def _usable_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        if value.get_secret_value() == EXAMPLE_SECRET:
            raise ValueError(
                "SECRET_KEY is the example value from .env.example, which anyone can read; "
                "delete the line to have a key generated for this install, or set "
                f"{secret_file.MIN_SECRET_LENGTH}+ random characters"
            )
        if len(value.get_secret_value()) < secret_file.MIN_SECRET_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be {secret_file.MIN_SECRET_LENGTH}+ random characters: "
                'python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return value

    @model_validator(mode="after")
    def _default_base_url(self) -> Settings:
        if not self.base_url:
            host = self.host if self.host not in {"", "0.0.0.0", "::"} else "localhost"
            host = f"[{host}]" if ":" in host else host
            self.base_url = f"http://{host}:{self.port}"
        return self

    @model_validator(mode="after")
    def _production_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key is None:
            raise ValueError(
                "SECRET_KEY must be set in production: a key generated for one install "
                "cannot be shared by several hosts (docs/deployment.md)"
            )
        return self

    def signing_key(self) -> str:
        """The secret that signs tokens and links (see `with_secret_key`)."""
        if self.secret_key is None:
            raise RuntimeError("no SECRET_KEY: build the settings with get_settings()")
        return self.secret_key.get_secret_value()

    @property
    def test_pipelines_enabled(self) -> bool:
        if self.enable_test_pipelines is None:
            return self.environment != "production"
        return self.enable_test_pipelines

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_request_bytes(self) -> int:
        return self.max_request_mb * 1024 * 1024

    @property
    def pipeline_process_count(self) -> int:
        """PIPELINE_PROCESSES resolved: "auto" is one per usable core from two cores up."""
        if self.pipeline_processes != "auto":
            return self.pipeline_processes
        cores = usable_cores()
        return 0 if cores < 2 else min(cores, MAX_AUTO_PROCESSES)

    @property
    def unit_concurrency(self) -> int:
        """WORKER_CONCURRENCY resolved: "auto" keeps every pipeline process busy."""
        if self.worker_concurrency != "auto":
            return self.worker_concurrency
        return max(2, self.pipeline_process_count)


def with_secret_key(settings: Settings) -> Settings:
    """The settings with a secret: the configured one, else this install's generated one."""
    if settings.secret_key is not None:
        return settings
    key = secret_file.load_or_create(settings.secret_key_file)
    return settings.model_copy(update={"secret_key": SecretStr(key)})


def describe(error: ValidationError) -> str:
    """A validation error as one line per setting, named as in the environment."""
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper()
        message = item["msg"].removeprefix("Value error, ")
        lines.append(message if not name or message.startswith(name) else f"{name}: {message}")
    return "; ".join(lines)


def split_keys(value: SecretStr | None) -> list[str]:
    """The comma-separated keys of a key setting."""
    text = value.get_secret_value() if value is not None else ""
    return [part.strip() for part in text.split(",") if part.strip()]


def decode_file_key(text: str) -> bytes:
    """A file encryption key: 32 bytes, written as (urlsafe) base64."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ValueError("a file encryption key must be base64") from exc
    if len(raw) != 32:
        raise ValueError("a file encryption key must be 32 bytes (base64 of os.urandom(32))")
    return raw


@lru_cache
def get_settings() -> Settings:
    """The settings of this process; a setting it must not start with exits with a message."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise secret_file.ConfigurationError(describe(exc)) from None
    return with_secret_key(settings)
