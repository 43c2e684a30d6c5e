"""Blind review: no hidden field in any candidate response, export or screening event
until a reviewer reveals the candidate (audited); scores never depend on who it is."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import UserFactory, auth
from tests.jobs.helpers import all_events
from tests.pipeline import fixtures
from tests.privacy.flows import API, screen
from tests.privacy.markers import Person
from tests.support.envelope import assert_envelope


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return " ".join(book.read(name).decode("utf-8", "ignore") for name in book.namelist())


async def _everything_shown(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: str, candidate_id: str
) -> dict[str, str]:
    """Every response that shows the posting's candidates, as text."""
    shortlist = f"{API}/postings/{posting_id}"
    shown = {
        "list": (await client.get(f"{shortlist}/candidates", headers=headers)).text,
        "sorted": (await client.get(f"{shortlist}/candidates", params={"sort": "name"},
                                    headers=headers)).text,
        "detail": (await client.get(f"{API}/candidates/{candidate_id}", headers=headers)).text,
        "csv": (await client.get(f"{shortlist}/candidates", params={"format": "csv"},
                                 headers=headers)).text,
        "csv export": (await client.post(f"{shortlist}/exports", json={"format": "csv"},
                                         headers=headers)).text,
    }  # fmt: skip
    xlsx = await client.post(f"{shortlist}/exports", json={"format": "xlsx"}, headers=headers)
    shown["xlsx export"] = _xlsx_text(xlsx.content)
    return shown


async def test_blind_review_hides_who_the_candidate_is_until_revealed(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    headers = auth(await make_user())
    upload = person.upload(tmp_path, "pdf")
    blind = await screen(client, headers, [upload], blind_review=True)
    candidate = blind.candidates["[hidden]"]
    assert candidate["blind"] and candidate["download_url"] is None
    for where, text in (await _everything_shown(
        client, headers, blind.posting["id"], candidate["id"]
    )).items():  # fmt: skip
        assert person.leaks(text) == [], where
    events = await all_events(client, headers, blind.job["id"])
    assert [e for e in events if e["type"] == "job.file"]
    assert person.leaks(str(events)) == [] and upload[0] not in str(events)
    file = await client.get(f"{API}/candidates/{candidate['id']}/file", headers=headers)
    assert_envelope(file, 403, "BLIND_REVIEW")

    revealed = await client.post(f"{API}/candidates/{candidate['id']}/reveal", headers=headers)
    assert revealed.status_code == 200 and revealed.json()["name"] == person.name
    shown = await _everything_shown(client, headers, blind.posting["id"], candidate["id"])
    assert person.leaks(shown["detail"]) and person.leaks(shown["csv"])
    file = await client.get(f"{API}/candidates/{candidate['id']}/file", headers=headers)
    assert file.status_code == 200 and file.content == upload[1]
    missing = await client.post(f"{API}/candidates/{'0' * 36}/reveal", headers=headers)
    assert_envelope(missing, 404, "NOT_FOUND")


async def test_an_open_posting_shows_what_blind_review_hides(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    headers = auth(await make_user())
    open_ = await screen(client, headers, [person.upload(tmp_path, "txt")])
    candidate = next(iter(open_.candidates.values()))
    shown = await _everything_shown(client, headers, open_.posting["id"], candidate["id"])
    assert all(person.leaks(text) for where, text in shown.items() if where != "xlsx export")
    events = await all_events(client, headers, open_.job["id"])
    assert person.leaks(str(events))

    turned = await client.patch(f"{API}/postings/{open_.posting['id']}",
                                json={"blind_review": True}, headers=headers)  # fmt: skip
    assert turned.status_code == 200 and turned.json()["blind_review"] is True
    events = await all_events(client, headers, open_.job["id"])
    assert person.leaks(str(events)) == []  # stored events forget the names too
    shown = await _everything_shown(client, headers, open_.posting["id"], candidate["id"])
    assert all(person.leaks(text) == [] for text in shown.values())


async def test_scores_do_not_depend_on_who_the_candidate_is(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    """Two CVs that differ only in name, contact, address, birth date, nationality,
    gender and photo score the same, in every part, blind or not."""
    one, two = Person.new(), Person.new()
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir(), b.mkdir()
    text_two = (
        two.cv_text()
        .replace("Gender: Female", "Gender: Male")
        .replace("Leeds, United Kingdom", "Lagos, Nigeria")
        .replace("14 March 1991", "2 July 1964")
    )
    files = [one.upload(a, "pdf"),
             (two.filename("pdf"), fixtures.make_cv_pdf(b / "two.pdf", text=text_two,
                                                         photo=True).read_bytes())]  # fmt: skip
    headers = auth(await make_user())
    scores: list[Any] = []
    for blind in (False, True):
        screened = await screen(client, headers, files, blind_review=blind)
        for candidate in screened.ranking:
            parts = {k: round(v["points"], 4) for k, v in candidate["breakdown"].items()}
            scores.append((candidate["score"], parts))
    assert len(scores) == 4 and all(s == scores[0] for s in scores), scores
