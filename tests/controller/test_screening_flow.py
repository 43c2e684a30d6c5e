"""The recruiter's path: posting, screening of 20 mixed CVs, ranking, CSV, PATCH, rescore."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import UserFactory, auth
from tests.controller.screening_support import create_posting, mixed_cvs, multipart, wait_job
from tests.support.envelope import assert_envelope


async def _ranking(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: str, **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 7, **params, **({"cursor": cursor} if cursor else {})}
        page = await client.get(
            f"/api/v1/postings/{posting_id}/candidates", params=query, headers=headers
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


async def test_screen_rank_export_patch_rescore(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    user = await make_user()
    headers = auth(user)
    posting = await create_posting(client, headers)
    cvs = mixed_cvs(tmp_path, 20)  # software engineers, nurses and lawyers; PDF, DOCX, TXT
    body, mp_headers = multipart(cvs)
    screening = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings",
        content=body,
        headers={**mp_headers, **headers},
    )
    assert screening.status_code == 202, screening.text
    job = await wait_job(client, headers, screening.json()["id"])
    assert job["status"] == "succeeded" and job["result"]["candidates"] == 20
    events = (await client.get(f"/api/v1/jobs/{job['id']}/events", headers=headers)).json()
    live = [e["data"] for e in events["items"] if e["type"] == "job.file"]
    assert len(live) == 20 and all(d["provisional"] is True for d in live)

    ranking = await _ranking(client, headers, posting["id"])
    assert [c["rank"] for c in ranking] == list(range(1, 21))
    scores = [c["score"] for c in ranking]
    assert scores == sorted(scores, reverse=True)
    occupation = {f"cv{i}": ("engineer", "nurse", "lawyer")[i % 3] for i in range(20)}
    top = [occupation[c["filename"].split(".")[0]] for c in ranking[:7]]
    assert top == ["engineer"] * 7
    threshold = ranking[9]["score"]
    above = await _ranking(client, headers, posting["id"], min_score=threshold)
    assert [c["id"] for c in above] == [c["id"] for c in ranking if c["score"] >= threshold]

    for params, extra in (({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})):
        exported = await client.get(
            f"/api/v1/postings/{posting['id']}/candidates",
            params=params,
            headers={**headers, **extra},
        )
        assert exported.status_code == 200 and exported.headers["content-type"].startswith(
            "text/csv"
        )
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [r["name"] for r in rows] == [c["name"] for c in ranking]
        assert rows[0]["rank"] == "1" and float(rows[0]["score"]) == ranking[0]["score"]
        assert {
            "required_skills",
            "text_relevance",
            "matched_skills",
            "missing_skills",
            "filename",
            "download_url",
            "email",
        } <= set(rows[0])
        assert "/file?sig=" in rows[0]["download_url"]

    patched = await client.patch(
        f"/api/v1/postings/{posting['id']}",
        json={
            "title": "Registered Nurse",
            "description": "Ward nursing: patient care, triage.",
            "required_skills": ["Patient Care", "Triage", "Wound Care"],
            "preferred_skills": ["BLS"],
        },
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    rescore = await client.post(f"/api/v1/postings/{posting['id']}/rescore", headers=headers)
    assert rescore.status_code == 202 and rescore.json()["pipeline"] == "cv_rescore"
    assert (await wait_job(client, headers, rescore.json()["id"]))["status"] == "succeeded"
    after = await _ranking(client, headers, posting["id"])
    assert [occupation[c["filename"].split(".")[0]] for c in after[:6]] == ["nurse"] * 6
    assert {c["id"] for c in after} == {c["id"] for c in ranking}
    assert [c["rank"] for c in after] == list(range(1, 21))


async def test_ranking_belongs_to_the_owner(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    owner, other = await make_user(), await make_user()
    posting = await create_posting(client, auth(owner))
    url = f"/api/v1/postings/{posting['id']}/candidates"
    assert_envelope(await client.get(url, headers=auth(other)), 404, "NOT_FOUND")
    assert_envelope(
        await client.get(url, params={"format": "csv"}, headers=auth(other)), 404, "NOT_FOUND"
    )
    assert_envelope(
        await client.post(f"/api/v1/postings/{posting['id']}/rescore", headers=auth(other)),
        404,
        "NOT_FOUND",
    )
    assert_envelope(
        await client.get(url, params={"cursor": "garbage!"}, headers=auth(owner)),
        422,
        "INVALID_CURSOR",
    )
    empty = await client.get(url, headers=auth(owner))
    assert empty.json() == {"items": [], "next_cursor": None}
