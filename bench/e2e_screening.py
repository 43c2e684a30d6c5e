"""End-to-end time of a 1,000-CV screening through the HTTP API on MariaDB.

Usage: python -m bench.e2e_screening [--count 1000] [--per-request 250]
       [--database-url mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_e2e]

Generates `--count` distinct one- and two-page PDF CVs, recreates the database,
starts a uvicorn server (one process, its in-process job dispatcher), then times:
the uploads (`--per-request` files per `POST /files`, sent in parallel), the screening
(`POST /postings/{id}/screenings` by file ids, until the job is terminal) and the
first ranking page. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
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
            job = screen(base, headers, ids)
            finished = time.perf_counter()
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
            }
        )
    )


if __name__ == "__main__":
    main()
