"""Settings from the environment: CSV lists, the secret key, drivers, engine sizes."""

from __future__ import annotations

import concurrent.futures
import os
import stat
import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from api.config import secret_file
from api.config import settings as settings_module
from api.config.settings import EXAMPLE_SECRET, Settings, get_settings, with_secret_key
from tests.support import processes


@pytest.fixture(autouse=True)
def _no_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SECRET_KEY", "SECRET_KEY_FILE", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)


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


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_the_example_secret_is_refused_in_every_environment(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.setenv("SECRET_KEY", EXAMPLE_SECRET)
    with pytest.raises(ValidationError, match=r"example value from \.env\.example"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_short_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(ValidationError, match=r"32\+ random characters"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_needs_a_configured_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY must be set in production"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("SECRET_KEY", "   ")  # blank is unset, not a key
    with pytest.raises(ValidationError, match="SECRET_KEY must be set in production"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not settings.test_pipelines_enabled
    assert with_secret_key(settings).signing_key() == "x" * 40


def test_get_settings_stops_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", EXAMPLE_SECRET)
    get_settings.cache_clear()
    try:
        with pytest.raises(secret_file.ConfigurationError) as stopped:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert stopped.value.code == (
        "cvmatch cannot start: SECRET_KEY is the example value from .env.example, which anyone "
        "can read; delete the line to have a key generated for this install, or set 32+ "
        "random characters"
    )


def _install(tmp_path: Path, name: str = "install") -> Settings:
    return Settings(_env_file=None, secret_key_file=tmp_path / name / "data" / "secret_key")  # type: ignore[call-arg]


def test_first_start_generates_a_secret_of_its_own(tmp_path: Path) -> None:
    settings = _install(tmp_path)
    assert settings.secret_key is None
    first = with_secret_key(settings)
    key_file = settings.secret_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.signing_key() == key_file.read_text().strip()
    assert len(first.signing_key()) >= 32
    # the next start keeps it; another install gets another one
    assert with_secret_key(_install(tmp_path)).signing_key() == first.signing_key()
    assert with_secret_key(_install(tmp_path, "other")).signing_key() != first.signing_key()
    # a configured key wins over the file
    configured = settings.model_copy(update={"secret_key": SecretStr("k" * 40)})
    assert with_secret_key(configured).signing_key() == "k" * 40


def test_processes_starting_together_share_one_generated_key(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret_key"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: secret_file.load_or_create(path), range(16)))
    assert len(keys) == 1
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no drafts left


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = _install(tmp_path)
    with_secret_key(settings)
    os.chmod(settings.secret_key_file, 0o644)
    with pytest.raises(secret_file.ConfigurationError, match="chmod 600"):
        with_secret_key(settings)


def test_an_unusable_key_file_is_refused(tmp_path: Path) -> None:
    settings = _install(tmp_path)
    settings.secret_key_file.parent.mkdir(parents=True)
    settings.secret_key_file.write_text("short\n")
    os.chmod(settings.secret_key_file, 0o600)
    with pytest.raises(secret_file.ConfigurationError, match="holds no usable key"):
        with_secret_key(settings)


def test_a_data_directory_that_cannot_be_made_names_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    settings = Settings(_env_file=None, secret_key_file=blocker / "secret_key")  # type: ignore[call-arg]
    with pytest.raises(secret_file.ConfigurationError, match="set SECRET_KEY"):
        with_secret_key(settings)


def test_the_server_refuses_to_start_with_the_example_secret(tmp_path: Path) -> None:
    env = processes.app_env(database_url="sqlite+aiosqlite:///unused.db", folder=tmp_path)
    env["SECRET_KEY"] = EXAMPLE_SECRET
    done = subprocess.run(
        processes.uvicorn(processes.free_port()),
        cwd=processes.REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "cvmatch cannot start: SECRET_KEY is the example value" in done.stderr
    assert "Traceback" not in done.stderr


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
