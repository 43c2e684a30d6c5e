"""Helpers for the intake and screening tests: raw multipart bodies, CV batches, waits."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from tests.pipeline import fixtures

BOUNDARY = "cvmatch-test-boundary-7f3a"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


def multipart(files: list[tuple[str, bytes]], field: str = "files") -> tuple[bytes, dict[str, str]]:
    """A multipart body built by hand, so filenames may hold anything (`../`, NUL)."""
    chunks: list[bytes] = []
    for name, content in files:
        chunks.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '.encode()
            + b'filename="'
            + name.encode("utf-8")
            + b'"\r\n'
            + b"Content-Type: application/octet-stream\r\n\r\n"
            + content
            + b"\r\n"
        )
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Edsger",
    "Frances",
    "Donald",
    "Radia",
    "Ken",
    "Hedy",
    "John",
    "Sophie",
    "Tim",
    "Mary",
    "Niklaus",
    "Joan",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Dijkstra",
    "Allen",
    "Knuth",
    "Perlman",
    "Thompson",
    "Lamarr",
    "Backus",
    "Wilson",
    "Berners",
    "Keller",
    "Wirth",
    "Clarke",
]


def person(index: int) -> str:
    return f"{FIRST[index % len(FIRST)]} {LAST[(index // len(FIRST)) % len(LAST)]}"


def cv_text(index: int, occupation: str = "software engineer", **kwargs: Any) -> str:
    return fixtures.make_cv_text(
        occupation,
        name=person(index),
        email=f"candidate{index}@example.com",
        years=2 + index % 9,
        seed=index,
        **kwargs,
    )


def mixed_cvs(tmp_path: Path, count: int) -> list[tuple[str, bytes]]:
    """`count` distinct CVs cycling PDF, DOCX and TXT across three occupations."""
    occupations = list(fixtures.OCCUPATIONS)
    out: list[tuple[str, bytes]] = []
    for index in range(count):
        text = cv_text(index, occupations[index % len(occupations)])
        kind = ("pdf", "docx", "txt")[index % 3]
        path = tmp_path / f"cv{index}.{kind}"
        if kind == "pdf":
            fixtures.make_cv_pdf(path, text=text)
        elif kind == "docx":
            fixtures.make_cv_docx(path, text=text)
        else:
            path.write_text(text, encoding="utf-8")
        out.append((path.name, path.read_bytes()))
    return out


async def wait_job(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, within: float = 120
) -> dict[str, Any]:
    """Poll `GET /jobs/{id}` until the job is terminal."""
    deadline = time.monotonic() + within
    while True:
        job: dict[str, Any] = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {within}s")
        await asyncio.sleep(0.1)


async def job_results(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> dict[str, dict[str, Any]]:
    """Every result of a job, by filename."""
    results: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(f"/api/v1/jobs/{job_id}/results", params=params, headers=headers)
        ).json()
        for item in page["items"]:
            results[item["filename"]] = item
        cursor = page["next_cursor"]
        if cursor is None:
            return results


async def create_posting(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    body = {
        "title": "Senior Software Engineer",
        "description": "We build backend services. Requirements: Python, Django, "
        "PostgreSQL, Docker. Nice to have: Kubernetes, AWS. 4+ years of experience.",
        **body,
    }
    response = await client.post("/api/v1/postings", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}
