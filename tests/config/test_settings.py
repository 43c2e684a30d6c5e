"""Settings from the environment: CSV lists, production guards, drivers, engine sizes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.config import settings as settings_module
from api.config.settings import DEFAULT_SECRET, Settings


def test_cors_origins_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example ,")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_defaults_are_the_embedded_database_and_frontend_origins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HOST", "PORT", "BASE_URL", "CORS_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite+aiosqlite:///./data/cvmatch.db"
    # Angular, React (create-react-app) and Vite dev servers
    assert settings.cors_origins == [
        "http://localhost:4200",
        "http://localhost:3000",
        "http://localhost:5173",
    ]
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.test_pipelines_enabled


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "8765", "http://127.0.0.1:8765"),
        ("0.0.0.0", "9000", "http://localhost:9000"),
        ("::1", "8001", "http://[::1]:8001"),
    ],
)
def test_base_url_follows_host_and_port_unless_set(
    monkeypatch: pytest.MonkeyPatch, host: str, port: str, expected: str
) -> None:
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("HOST", host)
    monkeypatch.setenv("PORT", port)
    assert Settings(_env_file=None).base_url == expected  # type: ignore[call-arg]
    monkeypatch.setenv("BASE_URL", "https://cv.example.org")
    assert Settings(_env_file=None).base_url == "https://cv.example.org"  # type: ignore[call-arg]


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


@pytest.mark.parametrize(
    ("cores", "processes", "concurrency"), [(1, 0, 2), (2, 2, 2), (4, 4, 4), (32, 8, 8)]
)
def test_pipeline_processes_default_to_one_per_core(
    monkeypatch: pytest.MonkeyPatch, cores: int, processes: int, concurrency: int
) -> None:
    monkeypatch.setattr(settings_module, "usable_cores", lambda: cores)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.pipeline_processes == "auto" and settings.worker_concurrency == "auto"
    assert settings.pipeline_process_count == processes
    assert settings.unit_concurrency == concurrency


def test_explicit_pipeline_processes_and_concurrency_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_PROCESSES", "0")
    monkeypatch.setenv("WORKER_CONCURRENCY", "5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.pipeline_process_count, settings.unit_concurrency) == (0, 5)
    monkeypatch.setenv("PIPELINE_PROCESSES", "lots")
    with pytest.raises(ValidationError, match="pipeline_processes"):
        Settings(_env_file=None)  # type: ignore[call-arg]
