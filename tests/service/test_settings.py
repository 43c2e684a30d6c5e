"""Settings from the environment: CSV lists, production guards, drivers, engine sizes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from api import jobs
from api.config.database import create_engine, create_sessionmaker
from api.config.settings import DEFAULT_SECRET, Settings
from api.jobs.engine.dispatcher import Dispatcher
from api.socket.bus import create_bus


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


async def test_the_dispatcher_takes_the_flush_delay_and_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVENT_FLUSH_MS", "100")
    monkeypatch.setenv("PIPELINE_PROCESSES", "1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    engine = create_engine(settings.model_copy(update={"database_url": "sqlite+aiosqlite://"}))
    dispatcher = Dispatcher(
        queue=jobs.JobQueue(settings=settings, types=[], bus=create_bus(None)),
        sessionmaker=create_sessionmaker(engine),
        executor=ThreadPoolExecutor(1),
    )
    try:
        assert dispatcher.runtime.event_flush_seconds == 0.1
        assert dispatcher.runtime.offload is not None and dispatcher.runtime.offload.processes == 1
    finally:
        assert dispatcher.runtime.offload is not None
        dispatcher.runtime.offload.shutdown()
        await engine.dispose()
