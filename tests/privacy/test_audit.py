"""The audit trail: every view, download, export, rescore, reveal and deletion, with the
credential used; admins list it with filters and pages; no entry holds CV content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from api.entity.privacy import AuditEvent
from api.recruiting import user as user_service
from tests.conftest import UserFactory, auth
from tests.privacy.flows import API, screen
from tests.privacy.markers import Person, hits_in, readable_forms
from tests.support.envelope import assert_envelope

AUDIT = f"{API}/admin/audit"


async def _admin(app: Any, make_user: UserFactory) -> dict[str, str]:
    made = await make_user()
    async with app.state.sessionmaker() as session:
        await user_service.set_admin(session=session, email=made["email"])
    return auth(made)


async def _entries(client: httpx.AsyncClient, admin: dict[str, str], **params: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = await client.get(AUDIT, params=query, headers=admin)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


async def _api_key(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[str, str]:
    made = await client.post(f"{API}/auth/api-keys", json={"name": "ats"}, headers=headers)
    return made.json()["id"], made.json()["key"]


async def test_every_access_is_audited_with_its_credential(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    made = await make_user()
    session = auth(made)
    key_id, key = await _api_key(client, session)
    machine = {"X-API-Key": key}
    screened = await screen(client, session, [person.upload(tmp_path, "pdf")], blind_review=True)
    candidate = next(iter(screened.candidates.values()))
    posting = f"{API}/postings/{screened.posting['id']}"
    base = f"{API}/candidates/{candidate['id']}"
    await client.get(f"{posting}/candidates", headers=session)  # a list: not audited per row
    assert (await client.get(base, headers=machine)).status_code == 200
    assert (await client.post(f"{base}/reveal", headers=session)).status_code == 200
    revealed = (await client.get(base, headers=session)).json()
    assert (await client.get(f"{base}/file", headers=session)).status_code == 200
    link = revealed["download_url"]
    signed = await client.get(link)
    assert signed.status_code == 200 and parse_qs(urlsplit(link).query)["sig"]
    assert (await client.get(f"{base}/export", headers=session)).status_code == 200
    await client.get(f"{posting}/candidates", params={"format": "csv"}, headers=session)
    await client.post(f"{posting}/exports", json={"format": "xlsx"}, headers=machine)
    assert (await client.post(f"{posting}/rescore", headers=session)).status_code == 202
    admin = await _admin(app, make_user)

    about = await _entries(client, admin, subject_id=candidate["id"])
    actions = [(e["action"], e["via"]) for e in reversed(about)]
    assert actions == [
        ("view", "api_key"), ("reveal", "session"), ("view", "session"),
        ("download", "session"), ("download", "signed_link"), ("export", "session"),
    ]  # fmt: skip
    by_key = next(e for e in about if e["via"] == "api_key")
    assert by_key["credential"] == key_id and by_key["actor_id"] == made["id"]
    by_session = [e for e in about if e["via"] == "session"]
    assert {e["credential"] for e in by_session} == {by_session[0]["credential"]}
    assert by_session[0]["credential"].startswith("session:")
    assert next(e for e in about if e["via"] == "signed_link")["actor_id"] is None
    on_posting = await _entries(client, admin, subject_id=screened.posting["id"])
    assert sorted(e["action"] for e in on_posting) == ["export", "export", "rescore"]
    assert {e["detail"]["format"] for e in on_posting if e["action"] == "export"} == {
        "csv", "xlsx",
    }  # fmt: skip


async def test_deletions_are_audited_and_no_entry_holds_cv_content(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    people = [Person.new(), Person.new()]
    made = await make_user()
    headers = auth(made)
    screened = await screen(client, headers, [p.upload(tmp_path, "txt") for p in people])
    first, second = screened.candidates.values()
    await client.get(f"{API}/candidates/{first['id']}", headers=headers)
    assert (
        await client.delete(f"{API}/candidates/{first['id']}", headers=headers)
    ).status_code == 204
    assert (
        await client.delete(f"{API}/jobs/{screened.job['id']}", headers=headers)
    ).status_code == 204
    assert (await client.delete(f"{API}/auth/me", headers=headers)).status_code == 204
    admin = await _admin(app, make_user)
    deleted = await _entries(client, admin, action="delete")
    subjects = {(e["subject_type"], e["subject_id"]) for e in deleted}
    assert {("candidate", first["id"]), ("file", first["file_id"]), ("job", screened.job["id"]),
            ("candidate", second["id"]), ("account", made["id"])} <= subjects  # fmt: skip
    assert all(e["actor_id"] == made["id"] for e in deleted)
    async with app.state.sessionmaker() as session:
        rows = list(await session.scalars(select(AuditEvent)))
    columns = [c.name for c in AuditEvent.__table__.columns]
    values = [getattr(row, name) for row in rows for name in columns]
    assert rows and not [
        hit for v in values for form in readable_forms(v) for hit in hits_in("audit", form, people)
    ]


async def test_admins_filter_and_page_the_trail(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    headers = auth(await make_user())
    screened = await screen(client, headers, [Person.new().upload(tmp_path, "txt")])
    candidate = next(iter(screened.candidates.values()))
    for _ in range(5):
        await client.get(f"{API}/candidates/{candidate['id']}", headers=headers)
    await client.get(f"{API}/candidates/{candidate['id']}/file", headers=headers)
    admin = await _admin(app, make_user)
    first = await client.get(AUDIT, params={"action": "view", "limit": 2}, headers=admin)
    assert first.status_code == 200 and len(first.json()["items"]) == 2
    after = {"action": "view", "limit": 10, "cursor": first.json()["next_cursor"]}
    rest = await client.get(AUDIT, params=after, headers=admin)
    assert len(rest.json()["items"]) == 3 and rest.json()["next_cursor"] is None
    ids = [e["id"] for e in first.json()["items"] + rest.json()["items"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert (await client.get(AUDIT, params={"since": later}, headers=admin)).json()["items"] == []
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    span = {"since": earlier, "until": later, "subject_type": "candidate"}
    window = await client.get(AUDIT, params=span, headers=admin)
    assert len(window.json()["items"]) == 6
    assert_envelope(await client.get(AUDIT, params={"cursor": "bm9wZQ"}, headers=admin), 422,
                    "INVALID_CURSOR")  # fmt: skip
    assert_envelope(await client.get(AUDIT, params={"action": "nap"}, headers=admin), 422,
                    "VALIDATION_ERROR")  # fmt: skip
    assert_envelope(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")
    assert_envelope(await client.get(AUDIT), 401, "UNAUTHENTICATED")
