"""Client filenames over HTTP: one absurd name never sinks the request, and what is
shown is what the file is (no bidi tricks), per file."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from sqlalchemy import update

from api.entity.file import StoredFile
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import create_posting, cv_text, multipart, wait_job
from tests.support.envelope import assert_envelope


async def test_an_8000_character_filename_is_cut_for_its_file_alone(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body, headers = multipart(
        [("a" * 8000 + ".txt", cv_text(1).encode()), ("second.txt", cv_text(2).encode())]
    )
    response = await client.post("/api/v1/files", content=body, headers={**headers, **user})
    assert response.status_code == 201, response.text
    names = [item["filename"] for item in response.json()["items"]]
    assert names[1] == "second.txt"
    assert names[0] == "a" * 251 + ".txt"
    assert response.json()["errors"] == []


async def test_a_right_to_left_override_cannot_disguise_an_extension(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body, headers = multipart([("cv-\u202etxt.exe", cv_text(4).encode())])
    response = await client.post("/api/v1/files", content=body, headers={**headers, **user})
    assert response.status_code == 201, response.text
    assert response.json()["items"][0]["filename"] == "cv-txt.exe"
    listed = await client.get("/api/v1/files", headers=user)
    assert all("\u202e" not in item["filename"] for item in listed.json()["items"])


async def test_a_part_header_past_64_kb_is_a_clear_400(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body, headers = multipart([("b" * 70_000 + ".txt", cv_text(5).encode())])
    response = await client.post("/api/v1/files", content=body, headers={**headers, **user})
    detail = assert_envelope(response, 400, "BAD_REQUEST")["detail"]
    assert "header" in str(detail).lower()


async def test_names_stored_before_the_cleaning_are_shown_clean(
    client: httpx.AsyncClient, app: Any, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body, headers = multipart([("old.txt", cv_text(6).encode())])
    uploaded = await client.post("/api/v1/files", content=body, headers={**headers, **user})
    file_id = uploaded.json()["items"][0]["id"]
    async with app.state.sessionmaker() as session:  # a row from before the fix
        await session.execute(
            update(StoredFile).where(StoredFile.id == file_id).values(filename="\u202etxt.exe")
        )
        await session.commit()
    listed = await client.get("/api/v1/files", headers=user)
    assert [item["filename"] for item in listed.json()["items"]] == ["txt.exe"]


async def test_the_csv_shows_the_clean_name_and_never_a_formula(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    posting = await create_posting(client, user)
    body, headers = multipart([("=1+2\u202e.txt", cv_text(7).encode())])
    screening = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings", content=body, headers={**headers, **user}
    )
    assert screening.status_code == 202, screening.text
    assert (await wait_job(client, user, screening.json()["id"]))["status"] == "succeeded"
    exported = await client.get(
        f"/api/v1/postings/{posting['id']}/candidates", params={"format": "csv"}, headers=user
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["filename"] for row in rows] == ["'=1+2.txt"]
