"""The marker scanners find what they look for, in every form the service could keep it:
so a scan that finds nothing after an erasure means something."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from api.entity.job import Job, JobEvent
from api.entity.user import User
from tests.privacy.markers import Person, scan_database, scan_files


def test_files_are_read_in_every_form(tmp_path: Path) -> None:
    person = Person.new()
    folders = {kind: tmp_path / kind for kind in ("pdf", "docx", "txt", "gz", "name")}
    for kind in ("pdf", "docx", "txt"):
        folders[kind].mkdir()
        person.upload(folders[kind], kind)
    folders["gz"].mkdir()
    (folders["gz"] / "log.1.gz").write_bytes(gzip.compress(f"saw {person.email}".encode()))
    folders["name"].mkdir()
    (folders["name"] / person.filename("pdf")).write_bytes(b"nothing inside")
    for kind, folder in folders.items():
        assert scan_files([folder], [person]), kind
    assert scan_files([folders["pdf"]], [Person.new()]) == []


async def test_every_table_is_read_with_json_and_normalised_phones(app: Any) -> None:
    person = Person.new()
    assert await scan_database(app.state.engine, [person]) == []
    async with app.state.sessionmaker() as session:
        user = User(email="owner@example.com", full_name="Owner", password_hash="x")
        session.add(user)
        await session.flush()
        job = Job(owner_id=user.id, pipeline="noop", params={})
        session.add(job)
        await session.flush()
        digits = person.phone_digits
        data = {"note": f"call {digits[:2]}-{digits[2:6]}-{digits[6:]}", "who": person.last}
        session.add(JobEvent(job_id=job.id, seq=1, type="job.log", status="queued", data=data))
        await session.commit()
    hits = await scan_database(app.state.engine, [person])
    assert {(hit.where, hit.marker) for hit in hits} == {
        ("job_events.data", person.last.lower()),
        ("job_events.data", person.phone_digits),
    }
