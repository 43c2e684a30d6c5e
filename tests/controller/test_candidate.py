"""Candidates: every profile field through the API, and original-file downloads."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import httpx

from api.config.settings import Settings
from api.core import security
from pipeline.components import COMPONENTS
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import create_posting, multipart, wait_job
from tests.pipeline import fixtures
from tests.support.envelope import assert_envelope


async def _screen_one(
    client: httpx.AsyncClient, headers: dict[str, str], tmp_path: Path
) -> tuple[dict[str, Any], bytes]:
    fields = fixtures.cv_fields(
        "software engineer",
        years=6,
        name="Ada Lovelace",
        email="ada@example.org",
        phone="+44 7700 900456",
        location="Leeds, United Kingdom",
        links=["https://github.com/ada-lovelace"],
        languages=["English", "German"],
    )
    pdf = fixtures.make_cv_pdf(tmp_path / "ada.pdf", text=fixtures.render_text(fields))
    posting = await create_posting(
        client,
        headers,
        required_skills=["Python", "Rust"],
        preferred_skills=["Docker"],
        min_years_experience=3,
        education_level="bachelor",
    )
    body, mp_headers = multipart([("ada.pdf", pdf.read_bytes())])
    response = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings",
        content=body,
        headers={**mp_headers, **headers},
    )
    assert (await wait_job(client, headers, response.json()["id"]))["status"] == "succeeded"
    ranking = await client.get(f"/api/v1/postings/{posting['id']}/candidates", headers=headers)
    return ranking.json()["items"][0], pdf.read_bytes()


async def test_every_profile_field_comes_back(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    user = await make_user()
    summary, _ = await _screen_one(client, auth(user), tmp_path)
    assert summary["name"] == "Ada Lovelace" and summary["rank"] == 1
    response = await client.get(f"/api/v1/candidates/{summary['id']}", headers=auth(user))
    assert response.status_code == 200, response.text
    cv = response.json()
    assert cv["email"] == "ada@example.org"
    assert cv["phone"].replace(" ", "").endswith("7700900456")
    assert cv["links"] == ["https://github.com/ada-lovelace"]
    assert cv["location"] == "Leeds, United Kingdom"
    assert "6 years" in cv["summary"]
    assert {"Python", "Docker", "Kubernetes", "PostgreSQL"} <= set(cv["skills"])
    assert [(e["title"], e["company"]) for e in cv["experience"]] == [
        ("Software Engineer", "Acme Software Ltd"),
        ("Backend Developer", "Northwind Technologies"),
    ]
    assert cv["experience"][0]["end"] == "present" and cv["experience"][1]["start"] == "2018-01"
    assert cv["total_years_experience"] >= 6
    assert cv["education"] == [
        {
            "degree": "B.Sc. in Computer Science",
            "level": "bachelor",
            "field": "Computer Science",
            "institution": "University of Leeds",
            "graduation_year": 2017,
        }
    ]
    assert cv["languages"] == ["English", "German"]
    assert 0 < cv["score"] <= 100 and cv["score"] == summary["score"]
    assert list(cv["breakdown"]) == list(COMPONENTS)
    assert all(item["evidence"] for item in cv["breakdown"].values())
    assert cv["headline"] is None and cv["role_titles"] == []
    assert cv["occupations"][0] == {
        "code": "15-1252.00", "title": "Software Developers",
        "score": cv["occupations"][0]["score"], "from": "Software Engineer",
    }  # fmt: skip
    assert "Software Developers" in cv["breakdown"]["occupation_match"]["evidence"]
    points = sum(item["points"] for item in cv["breakdown"].values())
    assert abs(points - cv["score"]) < 0.5
    matched = {m["skill"]: m["evidence"] for m in cv["matched_skills"]}
    assert set(matched) == {"Python", "Docker"} and "Python" in matched["Python"]
    assert cv["missing_skills"] == ["Rust"]
    assert cv["posting_id"] and cv["file_id"] == summary["file_id"]


async def test_downloads_need_the_owner_or_a_signed_link(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    owner, other = await make_user(), await make_user()
    summary, original = await _screen_one(client, auth(owner), tmp_path)
    url = f"/api/v1/candidates/{summary['id']}/file"
    mine = await client.get(url, headers=auth(owner))
    assert mine.status_code == 200 and mine.content == original
    assert mine.headers["content-type"] == "application/pdf"
    assert "ada.pdf" in mine.headers["content-disposition"]
    # the signed link works without any credentials, for this file only
    link = await client.get(summary["download_url"])
    assert link.status_code == 200 and link.content == original
    assert_envelope(await client.get(url), 401, "UNAUTHENTICATED")
    assert_envelope(await client.get(url, headers=auth(other)), 404, "NOT_FOUND")
    assert_envelope(
        await client.get(f"/api/v1/candidates/{summary['id']}", headers=auth(other)),
        404,
        "NOT_FOUND",
    )
    wrong = summary["download_url"][:-4] + "0000"
    assert_envelope(await client.get(wrong), 401, "INVALID_SIGNATURE")
    expired = security.sign_download(
        resource=f"candidate-file:{summary['id']}", settings=settings, now=time.time() - 100_000
    )
    assert_envelope(await client.get(url, params={"sig": expired}), 401, "INVALID_SIGNATURE")
    other_file = security.sign_download(resource="candidate-file:someone-else", settings=settings)
    assert_envelope(await client.get(url, params={"sig": other_file}), 401, "INVALID_SIGNATURE")
    assert_envelope(
        await client.get("/api/v1/candidates/nope/file", params={"sig": other_file}),
        404,
        "NOT_FOUND",
    )


async def test_the_console_may_frame_an_original_file_inline(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    owner = await make_user()
    summary, original = await _screen_one(client, auth(owner), tmp_path)
    shown = await client.get(summary["download_url"] + "&inline=true")
    assert shown.status_code == 200 and shown.content == original
    assert shown.headers["content-disposition"].startswith("inline;")
    # framed by the service's own pages only, never by another site
    assert shown.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in shown.headers["content-security-policy"]
    saved = await client.get(summary["download_url"])
    assert saved.headers["content-disposition"].startswith("attachment;")
    other = await client.get(f"/api/v1/candidates/{summary['id']}", headers=auth(owner))
    assert other.headers["x-frame-options"] == "DENY"


async def test_equal_scores_rank_by_file_hash_in_any_upload_order(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    text = fixtures.make_cv_text("software engineer", years=4, name="Ada Lovelace")
    # the same CV three times, told apart only by trailing blank lines: equal scores
    files = [(f"cv{i}.txt", (text + "\n" * i).encode()) for i in range(1, 4)]
    orders = []
    for batch in (files, files[::-1]):
        posting = await create_posting(client, auth(user), required_skills=["Python"])
        body, mp_headers = multipart(batch)
        response = await client.post(
            f"/api/v1/postings/{posting['id']}/screenings",
            content=body,
            headers={**mp_headers, **auth(user)},
        )
        assert (await wait_job(client, auth(user), response.json()["id"]))["status"] == "succeeded"
        ranking = await client.get(f"/api/v1/postings/{posting['id']}/candidates",
                                   headers=auth(user))  # fmt: skip
        items = ranking.json()["items"]
        assert len({item["score"] for item in items}) == 1
        orders.append([item["filename"] for item in items])
    assert orders[0] == orders[1]
    by_hash = sorted(files, key=lambda f: hashlib.sha256(f[1]).hexdigest())
    assert orders[0] == [name for name, _ in by_hash]
