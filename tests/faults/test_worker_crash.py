"""kill -9 a worker in the middle of a 300-CV screening, then start a new one.

It runs on MariaDB, in a database of its own. Two identical postings screen the same
300 CVs: one with a worker that runs to the end (the clean run), one whose worker is
SIGKILLed half-way and replaced. Both end with exactly one candidate per CV and the
same ranking.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.faults.server import api_server, base_env
from tests.faults.test_outages import call, login, wait_for_status
from tests.pipeline.fixtures import OCCUPATIONS, make_cv_pdf, make_cv_text
from tests.support import database as db
from tests.support.processes import worker
from tests.support.services import DEFAULT_MYSQL_URL, require_mysql

pytestmark = pytest.mark.slow
COUNT = 300
POSTING = {
    "title": "Software Engineer",
    "description": "Backend software engineer: Python, SQL, Docker, REST APIs, testing.",
}


def _cvs(folder: Path) -> list[tuple[str, bytes, str]]:
    occupations = sorted(OCCUPATIONS)
    files = []
    for n in range(COUNT):
        text = make_cv_text(
            occupations[n % len(occupations)], name=f"Person {n:03d}", years=1 + n % 15, seed=n
        )
        if n % 10 == 0:
            path = make_cv_pdf(folder / f"cv{n:03d}.pdf", text=text)
            files.append((path.name, path.read_bytes(), "application/pdf"))
        else:
            files.append((f"cv{n:03d}.txt", text.encode(), "text/plain"))
    return files


def _upload(url: str, token: str, files: list[tuple[str, bytes, str]]) -> list[str]:
    ids = []
    for start in range(0, len(files), 100):
        boundary = uuid.uuid4().hex
        parts = []
        for name, content, kind in files[start : start + 100]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{name}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            f"{url}/api/v1/files",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        with urllib.request.urlopen(request, timeout=300) as answer:
            ids += [item["id"] for item in json.loads(answer.read())["items"]]
    return ids


def _screen(url: str, token: str, file_ids: list[str]) -> tuple[str, str]:
    code, posting = call(url, "POST", "/api/v1/postings", POSTING, token)
    assert code == 201, posting
    code, job = call(
        url, "POST", f"/api/v1/postings/{posting['id']}/screenings", {"file_ids": file_ids}, token
    )
    assert code == 202, job
    return posting["id"], job["id"]


def _ranking(url: str, token: str, posting_id: str) -> list[tuple[str, float, int]]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    while True:
        code, page = call(
            url, "GET", f"/api/v1/postings/{posting_id}/candidates?limit=200{cursor}", token=token
        )
        assert code == 200, page
        rows += page["items"]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    return [(r["file_id"], r["score"], r["rank"]) for r in rows]


def _progress(url: str, token: str, job_id: str) -> int:
    code, job = call(url, "GET", f"/api/v1/jobs/{job_id}", token=token)
    return int(job.get("done", 0)) if code == 200 else 0


def test_kill_9_worker_mid_screening(tmp_path: Path) -> None:
    # its own database on the shared MariaDB: workers claim units with row locks there
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_MYSQL_URL
    url = url.rsplit("/", 1)[0] + "/cvmatch_crash"
    require_mysql(url)
    db.run(db.recreate_mysql_database(url))
    db.migrate(url)
    env = base_env(tmp_path, url, LEASE_SECONDS="10", JOB_POLL_SECONDS="0.3")
    api = api_server({**env, "ENABLE_DISPATCHER": "false"}, tmp_path / "api.log")
    first = worker(env, tmp_path / "w1.log")
    second = third = None
    try:
        api.wait_healthy()
        token = login(api.url)
        file_ids = _upload(api.url, token, _cvs(tmp_path))
        assert len(file_ids) == COUNT

        clean_posting, clean_job = _screen(api.url, token, file_ids)
        assert wait_for_status(api.url, token, clean_job, timeout=600) == "succeeded"
        first.stop()

        crash_posting, crash_job = _screen(api.url, token, file_ids)
        second = worker(env, tmp_path / "w2.log")
        deadline = time.monotonic() + 300
        while _progress(api.url, token, crash_job) < COUNT // 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        done_at_kill = _progress(api.url, token, crash_job)
        second.signal(signal.SIGKILL)
        second.proc.wait(timeout=30)
        assert 0 < done_at_kill < COUNT, "killed in the middle"

        third = worker(env, tmp_path / "w3.log")
        assert wait_for_status(api.url, token, crash_job, timeout=600) == "succeeded"

        clean, crashed = (
            _ranking(api.url, token, clean_posting),
            _ranking(api.url, token, crash_posting),
        )
        assert len(crashed) == COUNT and len({f for f, _, _ in crashed}) == COUNT
        # same score for every CV, same order of scores; ties may list in another order
        assert {f: score for f, score, _ in crashed} == {f: score for f, score, _ in clean}
        assert [(score, rank) for _, score, rank in crashed] == [
            (score, rank) for _, score, rank in clean
        ]
    finally:
        for process in (third, second, first, api):
            if process is not None:
                process.stop()
