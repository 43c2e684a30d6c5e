"""The shortlist: filters, sort orders, paging, exports (CSV, XLSX, a selection),
statistics, the description preview and a candidate's neighbours in the ranking."""

from __future__ import annotations

import csv
import io
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from openpyxl import load_workbook

from tests.conftest import UserFactory, auth
from tests.controller.screening_support import create_posting, multipart, wait_job
from tests.pipeline import fixtures
from tests.support.envelope import assert_envelope

#: name, years, skills, location
PEOPLE = [
    ("Ada Lovelace", 9, ["Python", "Django", "PostgreSQL", "Docker"], "Leeds, United Kingdom"),
    ("Grace Hopper", 3, ["Python", "Django", "Kubernetes"], "Bristol, United Kingdom"),
    ("Alan Turing", 6, ["Python", "PostgreSQL", "AWS"], "Manchester, United Kingdom"),
    ("Edsger Dijkstra", 2, ["Java", "Spring"], "Leeds, United Kingdom"),
    ("Barbara Liskov", 7, ["Python", "Docker", "Kubernetes", "AWS"], "York, United Kingdom"),
]


async def _shortlist(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    posting = await create_posting(
        client,
        headers,
        required_skills=["Python", "Django", "PostgreSQL"],
        preferred_skills=["Docker", "Kubernetes"],
    )
    cvs = []
    for index, (name, years, skills, location) in enumerate(PEOPLE):
        text = fixtures.make_cv_text(
            "software engineer",
            name=name,
            email=f"p{index}@example.org",
            years=years,
            skills=skills,
            location=location,
            seed=index,
        )
        cvs.append((f"cv{index}.txt", text.encode()))
    body, mp_headers = multipart(cvs)
    response = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings",
        content=body,
        headers={**mp_headers, **headers},
    )
    assert response.status_code == 202, response.text
    assert (await wait_job(client, headers, response.json()["id"]))["status"] == "succeeded"
    return posting


async def _names(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: str, **params: Any
) -> list[str]:
    response = await client.get(
        f"/api/v1/postings/{posting_id}/candidates", params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


@pytest.fixture
async def screened(
    client: httpx.AsyncClient, make_user: UserFactory
) -> tuple[dict[str, str], dict[str, Any]]:
    headers = auth(await make_user())
    return headers, await _shortlist(client, headers)


async def test_filters_narrow_the_ranking(
    client: httpx.AsyncClient, screened: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, posting = screened
    pid = posting["id"]
    everyone = await _names(client, headers, pid)
    assert len(everyone) == len(PEOPLE)
    with_django = await _names(client, headers, pid, skill=["django", "Python"])
    assert set(with_django) == {"Ada Lovelace", "Grace Hopper"}
    assert with_django == [n for n in everyone if n in with_django], "kept in ranking order"
    assert set(await _names(client, headers, pid, missing="PostgreSQL")) == {
        "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
    }  # fmt: skip
    # "Present" runs to today, so the threshold sits between two candidates' years
    ranked = (await client.get(f"/api/v1/postings/{pid}/candidates", headers=headers)).json()
    years = {item["name"]: item["years_experience"] for item in ranked["items"]}
    threshold = (years["Grace Hopper"] + years["Alan Turing"]) / 2
    assert set(await _names(client, headers, pid, min_years=threshold)) == {
        "Ada Lovelace", "Alan Turing", "Barbara Liskov",
    }  # fmt: skip
    assert set(await _names(client, headers, pid, location="leeds")) == {
        "Ada Lovelace", "Edsger Dijkstra",
    }  # fmt: skip
    assert len(await _names(client, headers, pid, education="bachelor")) == len(PEOPLE)
    assert await _names(client, headers, pid, education="doctorate") == []
    top = (await client.get(f"/api/v1/postings/{pid}/candidates", headers=headers)).json()
    best = top["items"][0]["score"]
    assert await _names(client, headers, pid, min_score=best) == [everyone[0]]
    assert everyone[0] not in await _names(client, headers, pid, max_score=best - 0.1)


async def test_every_column_sorts_both_ways(
    client: httpx.AsyncClient, screened: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, posting = screened
    pid = posting["id"]
    by_name = await _names(client, headers, pid, sort="name")
    assert by_name == sorted(p[0] for p in PEOPLE)
    assert await _names(client, headers, pid, sort="name", order="desc") == by_name[::-1]
    page = await client.get(
        f"/api/v1/postings/{pid}/candidates",
        params={"sort": "years", "order": "desc"},
        headers=headers,
    )
    years = [item["years_experience"] for item in page.json()["items"]]
    assert years == sorted(years, reverse=True) and years[0] >= 9
    scores = await client.get(
        f"/api/v1/postings/{pid}/candidates", params={"sort": "score"}, headers=headers
    )
    values = [item["score"] for item in scores.json()["items"]]
    assert values == sorted(values)
    missing = await client.get(
        f"/api/v1/postings/{pid}/candidates",
        params={"sort": "missing", "order": "desc"},
        headers=headers,
    )
    counts = [len(item["missing_skills"]) for item in missing.json()["items"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    for key in ("rank", "filename", "education", "location", "matched"):
        assert len(await _names(client, headers, pid, sort=key)) == len(PEOPLE)


async def test_sorted_lists_page_by_position_and_cursors_do_not_mix(
    client: httpx.AsyncClient, screened: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, posting = screened
    url = f"/api/v1/postings/{posting['id']}/candidates"
    seen: list[str] = []
    params: dict[str, Any] = {"sort": "name", "limit": 2}
    while True:
        page = (await client.get(url, params=params, headers=headers)).json()
        seen += [item["name"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == sorted(p[0] for p in PEOPLE)
    ranked = (await client.get(url, params={"limit": 2}, headers=headers)).json()
    mixed = await client.get(
        url, params={"sort": "name", "cursor": ranked["next_cursor"]}, headers=headers
    )
    assert_envelope(mixed, 422, "INVALID_CURSOR")
    back = await client.get(url, params={"cursor": params["cursor"]}, headers=headers)
    assert_envelope(back, 422, "INVALID_CURSOR")


async def test_bad_filters_are_422(
    client: httpx.AsyncClient, screened: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, posting = screened
    url = f"/api/v1/postings/{posting['id']}/candidates"
    for params in (
        {"sort": "charisma"},
        {"order": "sideways"},
        {"education": "wizard"},
        {"min_years": -1},
        {"skill": [f"s{i}" for i in range(21)]},
        {"format": "pdf"},
    ):
        assert_envelope(
            await client.get(url, params=params, headers=headers), 422, "VALIDATION_ERROR"
        )


async def test_export_a_selection_as_xlsx_with_lasting_links(
    client: httpx.AsyncClient, screened: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, posting = screened
    url = f"/api/v1/postings/{posting['id']}"
    items = (await client.get(f"{url}/candidates", headers=headers)).json()["items"]
    chosen = [items[3]["id"], items[0]["id"]]
    response = await client.post(
        f"{url}/exports",
        json={"format": "xlsx", "candidate_ids": chosen, "query": {"sort": "rank"}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert response.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("rank", "name", "email", "score")
    assert [row[1] for row in rows[1:]] == [items[0]["name"], items[3]["name"]]
    link = str(rows[1][-1])
    expires = int(parse_qs(urlparse(link).query)["sig"][0].split(".")[0])
    # EXPORT_LINK_SECONDS (30 days by default), not the 10 minutes of a live link
    assert expires - time.time() > 29 * 86400
    download = await client.get(link.removeprefix("http://localhost:8000"))
    assert download.status_code == 200


async def test_export_as_csv_follows_the_filters(
    client: httpx.AsyncClient, screened: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, posting = screened
    response = await client.get(
        f"/api/v1/postings/{posting['id']}/candidates",
        params={"format": "csv", "location": "Leeds", "sort": "name"},
        headers=headers,
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["name"] for row in rows] == ["Ada Lovelace", "Edsger Dijkstra"]
    assert rows[0]["location"].startswith("Leeds") and rows[0]["years_experience"]
    xlsx = await client.get(
        f"/api/v1/postings/{posting['id']}/candidates",
        params={"format": "xlsx", "skill": "Kubernetes"},
        headers=headers,
    )
    book = load_workbook(io.BytesIO(xlsx.content)).active
    assert book is not None and book.max_row == 3  # header and two candidates


async def test_export_failures(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    screened: tuple[dict[str, str], dict[str, Any]],
) -> None:
    headers, posting = screened
    url = f"/api/v1/postings/{posting['id']}/exports"
    unknown = await client.post(url, json={"candidate_ids": ["nope"]}, headers=headers)
    assert_envelope(unknown, 422, "EMPTY_SELECTION")
    ods = await client.post(url, json={"format": "ods"}, headers=headers)
    assert_envelope(ods, 422, "VALIDATION_ERROR")
    stranger = auth(await make_user())
    assert_envelope(await client.post(url, json={}, headers=stranger), 404, "NOT_FOUND")
    assert_envelope(await client.post(url, json={}), 401, "UNAUTHENTICATED")


async def test_stats_count_scores_and_skills(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    screened: tuple[dict[str, str], dict[str, Any]],
) -> None:
    headers, posting = screened
    response = await client.get(f"/api/v1/postings/{posting['id']}/stats", headers=headers)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["total"] == len(PEOPLE)
    assert len(stats["score_bins"]) == 10 and sum(b["count"] for b in stats["score_bins"]) == 5
    coverage = {s["skill"]: (s["kind"], s["count"]) for s in stats["skills"]}
    assert coverage["Python"] == ("required", 4)
    assert coverage["Django"] == ("required", 2)
    assert coverage["Kubernetes"] == ("preferred", 2)
    stranger = auth(await make_user())
    assert_envelope(
        await client.get(f"/api/v1/postings/{posting['id']}/stats", headers=stranger),
        404,
        "NOT_FOUND",
    )


async def test_a_candidate_knows_its_neighbours(
    client: httpx.AsyncClient, screened: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, posting = screened
    items = (
        await client.get(f"/api/v1/postings/{posting['id']}/candidates", headers=headers)
    ).json()["items"]
    ids = [item["id"] for item in items]
    middle = (await client.get(f"/api/v1/candidates/{ids[1]}", headers=headers)).json()
    assert (middle["previous_id"], middle["next_id"]) == (ids[0], ids[2])
    first = (await client.get(f"/api/v1/candidates/{ids[0]}", headers=headers)).json()
    last = (await client.get(f"/api/v1/candidates/{ids[-1]}", headers=headers)).json()
    assert first["previous_id"] is None and last["next_id"] is None
    lines = {e["skill"]: e["evidence"] for e in middle["skill_evidence"]}
    assert lines and all(lines.values())


async def test_preview_reads_skills_from_a_description(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    headers = auth(await make_user())
    description = (
        "Requirements:\n- 5+ years with Python and Django\n- PostgreSQL\n"
        "Nice to have:\n- Kubernetes\nA degree in Computer Science."
    )
    response = await client.post(
        "/api/v1/postings/preview",
        json={"title": "Backend Engineer", "description": description},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert {"Python", "Django", "PostgreSQL"} <= set(preview["required_skills"])
    assert "Kubernetes" in preview["preferred_skills"]
    assert preview["min_years_experience"] == 5
    assert preview["education_level"] == "bachelor"
    listed = (await client.get("/api/v1/postings", headers=headers)).json()["items"]
    assert listed == [], "a preview saves nothing"
    empty = await client.post("/api/v1/postings/preview", json={"description": ""}, headers=headers)
    assert_envelope(empty, 422, "VALIDATION_ERROR")
    anonymous = await client.post("/api/v1/postings/preview", json={"description": "x"})
    assert_envelope(anonymous, 401, "UNAUTHENTICATED")
