"""Subject access export: everything held about a candidate, as JSON or with the
original file as a ZIP; only for its owner; audited."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import UserFactory, auth
from tests.privacy.flows import API, screen
from tests.privacy.markers import Person
from tests.support.envelope import assert_envelope


async def test_the_export_holds_everything_about_the_candidate(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    headers = auth(await make_user())
    upload = person.upload(tmp_path, "pdf")
    first = await screen(client, headers, [upload])
    second = await screen(client, headers, [upload], title="Platform Engineer")
    candidate = first.candidates[upload[0]]
    await client.get(f"{API}/candidates/{candidate['id']}", headers=headers)
    await client.get(f"{API}/candidates/{candidate['id']}/file", headers=headers)

    answer = await client.get(f"{API}/candidates/{candidate['id']}/export", headers=headers)
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    doc: dict[str, Any] = answer.json()
    assert doc["candidate"]["name"] == person.name and doc["candidate"]["email"] == person.email
    assert doc["candidate"]["posting"]["id"] == first.posting["id"]
    assert set(doc["candidate"]["explanation"]) >= {"required_skills", "text_relevance"}
    assert doc["profile"]["protected"]["nationality"] == person.nationality
    assert doc["file"]["filename"] == upload[0] and doc["file"]["size"] == len(upload[1])
    assert {s["posting"]["id"] for s in doc["screenings"]} == {
        first.posting["id"], second.posting["id"],
    }  # fmt: skip
    assert {p["job_id"] for p in doc["processing"]} == {first.job["id"], second.job["id"]}
    actions = [(e["action"], e["subject"]["id"]) for e in doc["access_history"]]
    assert ("view", candidate["id"]) in actions and ("download", candidate["id"]) in actions
    assert actions[-1] == ("export", candidate["id"])  # this export is on record too

    bundle = await client.get(f"{API}/candidates/{candidate['id']}/export",
                              params={"format": "zip"}, headers=headers)  # fmt: skip
    assert bundle.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert archive.read(f"original/{upload[0]}") == upload[1]
        inside = json.loads(archive.read("candidate.json"))
    assert inside["candidate"]["id"] == candidate["id"]


async def test_only_the_owner_exports_and_unknown_formats_are_refused(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    owner, stranger = auth(await make_user()), auth(await make_user())
    screened = await screen(client, owner, [Person.new().upload(tmp_path, "txt")])
    path = f"{API}/candidates/{screened.ranking[0]['id']}/export"
    assert_envelope(await client.get(path, headers=stranger), 404, "NOT_FOUND")
    assert_envelope(await client.get(path), 401, "UNAUTHENTICATED")
    refused = await client.get(path, params={"format": "pdf"}, headers=owner)
    assert_envelope(refused, 422, "VALIDATION_ERROR")
