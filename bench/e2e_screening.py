"""End-to-end time of a 1,000-CV screening through the HTTP API on MariaDB, defaults.

Usage: python -m bench.e2e_screening [--count 1000] [--per-request 250]
       [--database-url mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_e2e]

Generates `--count` distinct one- and two-page PDF CVs and, as the same-run baseline,
times raw single-process text extraction of them with pypdfium2. Then it recreates the
database, starts a uvicorn server with default settings (one process, its in-process
job dispatcher and pipeline process pool), and times the uploads (`--per-request`
files per `POST /files`, sent in parallel), the screening (`POST
/postings/{id}/screenings` by file ids, until the job is terminal) and the first ranking
page, while another thread asks `GET /health` every 50 ms (its latency percentiles during
the screening) and MariaDB's counters give the statements and commits it took. Prints
one JSON line: CVs per second end to end beside the raw extraction rate and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.intake_common import login, prepare_database, start_server
from tests.controller.screening_support import cv_text, multipart
from tests.pipeline import fixtures

DEFAULT_URL = "mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_e2e"


def make_cvs(folder: Path, count: int) -> list[tuple[str, bytes]]:
    occupations = list(fixtures.OCCUPATIONS)
    out = []
    for index in range(count):
        text = cv_text(index, occupations[index % len(occupations)])
        if index % 2:  # every other CV runs to a second page
            text += "\nADDITIONAL EXPERIENCE\n" + text.split("\n", 5)[-1]
        path = fixtures.make_cv_pdf(folder / f"cv{index:05d}.pdf", text=text)
        out.append((path.name, path.read_bytes()))
    return out


def raw_extraction_rate(cvs: list[tuple[str, bytes]]) -> float:
    """CVs per second for pypdfium2 text extraction alone, one process (the baseline)."""
    import pypdfium2 as pdfium

    started = time.perf_counter()
    for _, content in cvs:
        document = pdfium.PdfDocument(content)
        for index in range(len(document)):
            page = document[index]
            page.get_textpage().get_text_range()
        document.close()
    return len(cvs) / (time.perf_counter() - started)


class HealthProbe:
    """Times `GET /health` every 50 ms from a thread of its own."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                client.get("/health")
                self.times.append((time.perf_counter() - started) * 1000)
                self._stop.wait(0.05)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def percentiles(self) -> dict[str, float]:
        ordered = sorted(self.times) or [0.0]
        return {
            "p50": round(statistics.median(ordered), 2),
            "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
            "samples": len(ordered),
        }


def mariadb_counters(url: str) -> dict[str, int]:
    """MariaDB's global statement and commit counters."""
    import pymysql
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    connection = pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit')")
            return {str(name): int(value) for name, value in cursor.fetchall()}
    finally:
        connection.close()


def upload(base: str, headers: dict[str, str], batch: list[tuple[str, bytes]]) -> list[str]:
    body, mp_headers = multipart(batch)
    response = httpx.post(
        f"{base}/api/v1/files", content=body, headers={**mp_headers, **headers}, timeout=600
    )
    response.raise_for_status()
    return [item["id"] for item in response.json()["items"]]


def screen(base: str, headers: dict[str, str], file_ids: list[str]) -> dict[str, Any]:
    posting = httpx.post(
        f"{base}/api/v1/postings",
        headers=headers,
        json={
            "title": "Senior Software Engineer",
            "description": "Requirements: Python, Django, PostgreSQL, Docker. 4+ years.",
        },
    )
    posting.raise_for_status()
    posting_id = posting.json()["id"]
    job = httpx.post(
        f"{base}/api/v1/postings/{posting_id}/screenings",
        headers=headers,
        json={"file_ids": file_ids},
        timeout=120,
    ).json()
    while job["status"] not in {"succeeded", "failed", "cancelled"}:
        time.sleep(0.2)
        job = httpx.get(f"{base}/api/v1/jobs/{job['id']}", headers=headers).json()
    ranking = httpx.get(f"{base}/api/v1/postings/{posting_id}/candidates", headers=headers)
    ranking.raise_for_status()
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--per-request", type=int, default=250)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        cvs = make_cvs(workdir, args.count)
        raw_rate = statistics.median(raw_extraction_rate(cvs) for _ in range(3))
        prepare_database(args.database_url)
        server = start_server(args.database_url, workdir)
        base = server.url
        try:
            headers = login(base)
            batches = [cvs[i : i + args.per_request] for i in range(0, len(cvs), args.per_request)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=len(batches)) as pool:
                ids = [
                    i for got in pool.map(lambda b: upload(base, headers, b), batches) for i in got
                ]
            uploaded = time.perf_counter()
            before = mariadb_counters(args.database_url)
            with HealthProbe(base) as probe:
                job = screen(base, headers, ids)
            finished = time.perf_counter()
            after = mariadb_counters(args.database_url)
        finally:
            server.stop()
    megabytes = sum(len(content) for _, content in cvs) / 1e6
    print(
        json.dumps(
            {
                "bench": "e2e_screening",
                "cvs": args.count,
                "upload_mb": round(megabytes, 1),
                "requests": len(batches),
                "status": job["status"],
                "candidates": (job.get("result") or {}).get("candidates"),
                "upload_s": round(uploaded - started, 2),
                "screening_s": round(finished - uploaded, 2),
                "total_s": round(finished - started, 2),
                "cvs_per_s": round(args.count / (finished - started), 1),
                "raw_extract_cvs_per_s": round(raw_rate, 1),
                "e2e_over_raw_extract": round(args.count / (finished - started) / raw_rate, 3),
                "health_during_screening_ms": probe.percentiles(),
                "statements_per_cv": round(
                    (after["Questions"] - before["Questions"]) / args.count, 2
                ),
                "commits_per_cv": round(
                    (after["Com_commit"] - before["Com_commit"]) / args.count, 3
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
