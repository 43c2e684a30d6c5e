"""Settings from the environment: CSV lists, production guards, drivers, engine sizes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.config.settings import DEFAULT_SECRET, Settings


def test_cors_origins_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example ,")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_defaults_are_the_embedded_database_and_frontend_origins() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite+aiosqlite:///./data/cvmatch.db"
    assert settings.cors_origins == ["http://localhost:4200", "http://localhost:3000"]
    assert settings.test_pipelines_enabled


def test_production_refuses_the_shipped_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("SECRET_KEY", DEFAULT_SECRET)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not settings.test_pipelines_enabled


def test_unknown_database_driver_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://x/y")
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("name", "bad"),
    [("PIPELINE_PROCESSES", "-1"), ("EVENT_FLUSH_MS", "0"), ("EVENT_FLUSH_MS", "5000")],
)
def test_engine_sizes_are_bounded(monkeypatch: pytest.MonkeyPatch, name: str, bad: str) -> None:
    monkeypatch.setenv(name, bad)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_extra_pipeline_modules_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CVMATCH_EXTRA_PIPELINES", "tests.jobs.pipelines, bench.jobs_pipelines,")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.extra_pipelines == ["tests.jobs.pipelines", "bench.jobs_pipelines"]
    assert Settings(_env_file=None, extra_pipelines=["a.b"]).extra_pipelines == ["a.b"]  # type: ignore[call-arg]
