"""Postings: create with canonical skills, list, read, update, delete, ownership."""

from __future__ import annotations

import httpx

from tests.conftest import UserFactory, auth
from tests.support.envelope import assert_envelope

DESCRIPTION = """Senior Backend Engineer

Requirements:
- 5+ years of experience building services in python and django
- Strong postgres and docker skills
- A degree in Computer Science

Nice to have:
- kubernetes, AWS
"""


async def test_create_takes_skills_from_the_description(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    response = await client.post(
        "/api/v1/postings",
        json={"title": "Senior Backend Engineer", "description": DESCRIPTION},
        headers=auth(user),
    )
    assert response.status_code == 201, response.text
    posting = response.json()
    assert {"Python", "Django", "PostgreSQL", "Docker"} <= set(posting["required_skills"])
    assert {"Kubernetes", "AWS"} <= set(posting["preferred_skills"])
    assert posting["min_years_experience"] == 5
    assert posting["education_level"] == "bachelor"
    assert abs(sum(posting["weights"].values()) - 1) < 0.01
    assert set(posting) >= {"id", "title", "description", "location", "created_at", "updated_at"}


async def test_given_skills_come_back_canonical(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    response = await client.post(
        "/api/v1/postings",
        json={
            "title": "Data Engineer",
            "description": "Build pipelines.",
            "required_skills": ["python", "postgres", "python"],
            "preferred_skills": ["k8s"],
            "min_years_experience": 2,
            "education_level": "master",
            "location": "Leeds",
            "weights": {"required_skills": 2, "text_relevance": 1},
        },
        headers=auth(user),
    )
    assert response.status_code == 201, response.text
    posting = response.json()
    assert posting["required_skills"] == ["Python", "PostgreSQL"]
    assert posting["preferred_skills"] == ["Kubernetes"]
    assert posting["education_level"] == "master" and posting["location"] == "Leeds"
    assert posting["weights"]["required_skills"] > posting["weights"]["text_relevance"]


async def test_invalid_postings_are_422(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()
    for body in (
        {"title": "", "description": "x"},
        {"title": "T", "description": "x", "education_level": "wizard"},
        {"title": "T", "description": "x", "weights": {"charisma": 1}},
        {"title": "T", "description": "x", "weights": {"text_relevance": -1}},
        {"title": "T", "description": "x", "min_years_experience": -2},
    ):
        response = await client.post("/api/v1/postings", json=body, headers=auth(user))
        assert_envelope(response, 422, "VALIDATION_ERROR")


async def test_list_is_paginated_newest_first(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    for index in range(5):
        body = {"title": f"Posting {index}", "description": "Python developer"}
        assert (await client.post("/api/v1/postings", json=body, headers=auth(user))).is_success
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/postings", params=params, headers=auth(user))).json()
        seen += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Posting {i}" for i in reversed(range(5))]


async def test_patch_resolves_the_spec_again(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    created = (
        await client.post(
            "/api/v1/postings",
            json={"title": "Backend", "description": DESCRIPTION},
            headers=auth(user),
        )
    ).json()
    url = f"/api/v1/postings/{created['id']}"
    patched = await client.patch(url, json={"required_skills": ["Go"]}, headers=auth(user))
    assert patched.status_code == 200, patched.text
    assert patched.json()["required_skills"] == ["Go"]
    assert patched.json()["preferred_skills"] == []
    # a new description is read again for what the owner did not set
    text = "Requirements: 3 years of Rust and docker."
    again = await client.patch(url, json={"description": text}, headers=auth(user))
    assert again.json()["required_skills"] == ["Go"]
    assert again.json()["min_years_experience"] == 3
    cleared = await client.patch(url, json={"required_skills": None}, headers=auth(user))
    assert "Docker" in cleared.json()["required_skills"]
    assert (await client.get(url, headers=auth(user))).json() == cleared.json()
    assert_envelope(
        await client.patch(url, json={"title": None}, headers=auth(user)), 422, "VALIDATION_ERROR"
    )


async def test_other_users_get_404(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    owner, other = await make_user(), await make_user()
    created = (
        await client.post(
            "/api/v1/postings", json={"title": "T", "description": "D"}, headers=auth(owner)
        )
    ).json()
    url = f"/api/v1/postings/{created['id']}"
    assert_envelope(await client.get(url, headers=auth(other)), 404, "NOT_FOUND")
    assert_envelope(
        await client.patch(url, json={"title": "X"}, headers=auth(other)), 404, "NOT_FOUND"
    )
    assert_envelope(await client.delete(url, headers=auth(other)), 404, "NOT_FOUND")
    listed = (await client.get("/api/v1/postings", headers=auth(other))).json()
    assert listed["items"] == []
    assert_envelope(await client.get(url), 401, "UNAUTHENTICATED")
    assert (await client.delete(url, headers=auth(owner))).status_code == 204
    assert_envelope(await client.get(url, headers=auth(owner)), 404, "NOT_FOUND")
