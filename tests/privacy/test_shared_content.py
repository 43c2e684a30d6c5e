"""Content-addressed files are shared: the bytes stay while any file record refers to
them, and go with the last one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.conftest import UserFactory, auth
from tests.controller.screening_support import files_under
from tests.privacy.flows import API, screen
from tests.privacy.markers import Person, scan_database, scan_files


async def test_two_accounts_share_a_file_until_both_delete_it(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    upload = person.upload(tmp_path, "pdf")
    first, second = auth(await make_user()), auth(await make_user())
    mine = await screen(client, first, [upload])
    theirs = await screen(client, second, [upload])
    blobs = files_under(app.state.settings.upload_dir)
    assert len(blobs) == 1  # stored once for both accounts

    gone = await client.delete(
        f"{API}/candidates/{mine.candidates[upload[0]]['id']}", headers=first
    )
    assert gone.status_code == 204, gone.text
    assert files_under(app.state.settings.upload_dir) == blobs
    kept = theirs.candidates[upload[0]]
    download = await client.get(f"{API}/candidates/{kept['id']}/file", headers=second)
    assert download.status_code == 200 and download.content == upload[1]
    assert (await client.get(f"{API}/candidates/{kept['id']}", headers=second)).json()[
        "name"
    ] == person.name

    assert (await client.delete(f"{API}/auth/me", headers=second)).status_code == 204
    assert files_under(app.state.settings.upload_dir) == set()
    assert await scan_database(app.state.engine, [person]) == []


async def test_a_file_in_two_postings_stays_for_the_other_posting(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    upload = person.upload(tmp_path, "docx")
    headers = auth(await make_user())
    first = await screen(client, headers, [upload])
    file_id = first.candidates[upload[0]]["file_id"]
    second = await screen(client, headers, [upload], title="Platform Engineer")
    assert second.candidates[upload[0]]["file_id"] == file_id  # one file record

    deleted = await client.delete(f"{API}/postings/{first.posting['id']}", headers=headers)
    assert deleted.status_code == 204, deleted.text
    listed = (await client.get(f"{API}/files", headers=headers)).json()["items"]
    assert [f["id"] for f in listed] == [file_id]
    assert scan_files([app.state.settings.upload_dir], [person]) != []
    other = second.candidates[upload[0]]
    assert (await client.get(f"{API}/candidates/{other['id']}/file", headers=headers)).content == (
        upload[1]
    )

    deleted = await client.delete(f"{API}/candidates/{other['id']}", headers=headers)
    assert deleted.status_code == 204
    assert (await client.get(f"{API}/files", headers=headers)).json()["items"] == []
    assert scan_files([app.state.settings.upload_dir], [person]) == []
