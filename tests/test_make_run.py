"""`make run` on another port: it says where the console and the API docs are, and the
links it hands out (CSV exports) point at that port."""

from __future__ import annotations

import csv
import io
import re
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.pipeline import fixtures
from tests.support import processes

pytestmark = pytest.mark.slow
PASSWORD = "Sturdy-Passphrase-42"


def _wait_for(proc: processes.Process, pattern: str, timeout: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, proc.output())
        if found:
            return found
        if proc.proc.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} never printed:\n{proc.tail()}")


def test_make_run_prints_its_urls_and_links_follow_the_port(tmp_path: Path) -> None:
    port = processes.free_port()
    env = processes.app_env(database_url=f"sqlite+aiosqlite:///{tmp_path}/run.db", folder=tmp_path)
    for name in ("BASE_URL", "HOST", "PORT", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    env["ENVIRONMENT"] = "development"
    # -o: the venv counts as installed (CI installs it before the tests run)
    command = ["make", "--no-print-directory", "-o", ".venv/.runtime", "run",
               f"PORT={port}", f"PY={sys.executable}"]  # fmt: skip
    proc = processes.Process(command, env, tmp_path / "make-run.log", group=True)
    try:
        console = _wait_for(proc, r"the console\s+(http://\S+/)", 120).group(1)
        docs = _wait_for(proc, r"the API docs\s+(http://\S+/docs)", 5).group(1)
        assert console == f"http://127.0.0.1:{port}/" and docs == f"{console}docs"
        _wait_for(proc, r"Application startup complete", 120)
        with httpx.Client(base_url=console.rstrip("/"), timeout=30) as http:
            assert "cvmatch console" in http.get("/").text
            assert http.get("/docs").status_code == 200
            link = _csv_link(http, tmp_path)
        assert link.startswith(f"http://127.0.0.1:{port}/api/v1/candidates/"), link
    finally:
        proc.stop(timeout=20)


def _csv_link(http: httpx.Client, tmp_path: Path) -> str:
    """Screen one CV and answer the file link of the exported ranking."""
    email = f"run-{time.time_ns()}@example.org"
    account = {"email": email, "password": PASSWORD, "full_name": "Run Tester"}
    assert http.post("/api/v1/auth/register", json=account).status_code == 201
    token = http.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    posting = http.post(
        "/api/v1/postings",
        json={"title": "Nurse", "description": "Requirements: wound care, BLS"},
        headers=headers,
    ).json()
    files = {"files": ("cv.txt", fixtures.make_cv_text("nurse").encode(), "text/plain")}
    job = http.post(f"/api/v1/postings/{posting['id']}/screenings", files=files, headers=headers)
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 120
    while http.get(f"/api/v1/jobs/{job.json()['id']}", headers=headers).json()["status"] in {
        "queued",
        "running",
    }:
        assert time.monotonic() < deadline, "the screening did not finish"
        time.sleep(0.2)
    exported = http.get(
        f"/api/v1/postings/{posting['id']}/candidates", params={"format": "csv"}, headers=headers
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    return rows[0]["download_url"]
