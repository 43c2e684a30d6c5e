"""Screenings: the one-shot upload path, screening by file ids, the hostile corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from api.config.settings import Settings
from api.entity.candidate import Candidate
from api.entity.job import JobResult
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import (
    EXE_BYTES,
    create_posting,
    cv_text,
    files_under,
    job_results,
    mixed_cvs,
    multipart,
    wait_job,
)
from tests.pipeline import fixtures
from tests.support.envelope import assert_envelope


def _hostile(tmp_path: Path) -> list[tuple[str, bytes]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    good_pdf = fixtures.make_cv_pdf(tmp_path / "good.pdf", text=cv_text(1)).read_bytes()
    good_docx = fixtures.make_cv_docx(tmp_path / "good.docx", text=cv_text(2)).read_bytes()
    return [
        ("good.pdf", good_pdf),
        ("good.docx", good_docx),
        ("good.txt", cv_text(3).encode()),
        ("corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40),
        ("encrypted.pdf", fixtures.make_encrypted_pdf(tmp_path / "enc.pdf").read_bytes()),
        ("scanned.pdf", fixtures.make_image_only_pdf(tmp_path / "img.pdf").read_bytes()),
        ("bomb.docx", fixtures.make_zip_bomb_docx(tmp_path / "bomb.docx").read_bytes()),
        ("empty.pdf", b""),
        ("setup.pdf", EXE_BYTES),
        ("../../../etc/evil\x00.txt", cv_text(4).encode()),
        ("huge.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)),
    ]


async def test_hostile_corpus_each_file_gets_its_own_outcome(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    settings.max_upload_mb = 1
    user = await make_user()
    posting = await create_posting(client, auth(user))
    corpus = _hostile(tmp_path / "corpus")
    before = files_under(tmp_path)
    body, headers = multipart(corpus)
    response = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings",
        content=body,
        headers={**headers, **auth(user)},
    )
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/v1/jobs/{response.json()['id']}"
    job = await wait_job(client, auth(user), response.json()["id"])
    assert job["status"] == "succeeded", job
    results = await job_results(client, auth(user), job["id"])
    outcomes = {name: r["error_code"] or "ok" for name, r in results.items()}
    assert outcomes == {
        "good.pdf": "ok",
        "good.docx": "ok",
        "good.txt": "ok",
        "evil.txt": "ok",
        "corrupt.pdf": "PDF_CORRUPT",
        "encrypted.pdf": "PDF_ENCRYPTED",
        "scanned.pdf": "NO_TEXT_LAYER",
        "bomb.docx": "FILE_TOO_LARGE",
        "empty.pdf": "EMPTY_FILE",
        "setup.pdf": "UNSUPPORTED_TYPE",
        "huge.pdf": "FILE_TOO_LARGE",
    }
    assert "inflate" in results["bomb.docx"]["detail"]
    assert all(r["candidate_id"] for r in results.values() if r["status"] == "ok")
    assert job["result"]["candidates"] == 4 and job["result"]["failed"] == 7
    ranking = (
        await client.get(f"/api/v1/postings/{posting['id']}/candidates", headers=auth(user))
    ).json()
    assert sorted(c["filename"] for c in ranking["items"]) == sorted(
        ["good.pdf", "good.docx", "good.txt", "evil.txt"]
    )
    assert not any(c["name"] in {None, "", "John Doe"} for c in ranking["items"])
    # nothing was written outside UPLOAD_DIR (and the database / logs)
    after = files_under(tmp_path)
    created = {p for p in after - before if not p.is_relative_to(tmp_path / "logs")}
    assert created and all(p.is_relative_to(settings.upload_dir) for p in created)
    assert not any(p.is_relative_to(settings.upload_dir / "tmp") for p in created)


async def test_screening_by_file_ids(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    owner, other = await make_user(), await make_user()
    posting = await create_posting(client, auth(owner))
    body, headers = multipart(mixed_cvs(tmp_path, 3))
    uploaded = await client.post("/api/v1/files", content=body, headers={**headers, **auth(owner)})
    ids = [item["id"] for item in uploaded.json()["items"]]
    url = f"/api/v1/postings/{posting['id']}/screenings"
    # other people's files and postings are not found; bad bodies are 422
    theirs = await client.post(url, json={"file_ids": ids}, headers=auth(other))
    assert_envelope(theirs, 404, "NOT_FOUND")
    other_posting = await create_posting(client, auth(other))
    stolen = await client.post(
        f"/api/v1/postings/{other_posting['id']}/screenings",
        json={"file_ids": ids},
        headers=auth(other),
    )
    assert_envelope(stolen, 404, "NOT_FOUND")
    assert_envelope(
        await client.post(url, json={"file_ids": []}, headers=auth(owner)), 422, "VALIDATION_ERROR"
    )
    assert_envelope(
        await client.post(url, json={"ids": ids}, headers=auth(owner)), 422, "VALIDATION_ERROR"
    )

    key = {"Idempotency-Key": "screen-once"}
    first = await client.post(url, json={"file_ids": ids}, headers={**auth(owner), **key})
    again = await client.post(url, json={"file_ids": ids}, headers={**auth(owner), **key})
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    mismatch = await client.post(url, json={"file_ids": ids[:1]}, headers={**auth(owner), **key})
    assert_envelope(mismatch, 422, "IDEMPOTENCY_MISMATCH")
    job = await wait_job(client, auth(owner), first.json()["id"])
    assert job["status"] == "succeeded" and job["posting_id"] == posting["id"]
    assert job["result"]["candidates"] == 3

    # screening the same files again keeps one candidate per CV, parsed from the cache
    rerun = await client.post(url, json={"file_ids": ids}, headers=auth(owner))
    assert (await wait_job(client, auth(owner), rerun.json()["id"]))["status"] == "succeeded"
    ranking = (
        await client.get(f"/api/v1/postings/{posting['id']}/candidates", headers=auth(owner))
    ).json()
    assert len(ranking["items"]) == 3
    assert [c["rank"] for c in ranking["items"]] == [1, 2, 3]
    assert files_under(tmp_path / "uploads" / "tmp") == set()


async def test_a_finished_screening_keeps_each_profile_once_per_candidate(
    client: httpx.AsyncClient, app: Any, make_user: UserFactory, tmp_path: Path
) -> None:
    """After a screening ends its results name their candidates and no longer hold the
    profiles, which the candidates and the profile cache keep."""
    user = await make_user()
    posting = await create_posting(client, auth(user))
    body, headers = multipart(mixed_cvs(tmp_path, 3))
    response = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings", content=body,
        headers={**headers, **auth(user)},
    )  # fmt: skip
    job = await wait_job(client, auth(user), response.json()["id"])
    assert job["status"] == "succeeded"
    async with app.state.sessionmaker() as session:
        values = list(await session.scalars(
            select(JobResult.value).where(JobResult.job_id == job["id"])
        ))  # fmt: skip
        candidates = dict((await session.execute(
            select(Candidate.id, Candidate.profile).where(Candidate.posting_id == posting["id"])
        )).all())  # fmt: skip
    files = [v for v in values if "file_id" in v]
    assert len(files) == 3 and all("profile" not in v for v in files)
    assert {v["candidate_id"] for v in files} == set(candidates)
    assert all(profile["skills"] for profile in candidates.values())
    listed = await job_results(client, auth(user), job["id"])
    assert {r["candidate_id"] for r in listed.values()} == set(candidates)
