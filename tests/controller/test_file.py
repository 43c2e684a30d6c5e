"""File intake: stored by content, limits, type by magic bytes, list and delete."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from api.config.settings import Settings
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import EXE_BYTES, cv_text, files_under, multipart
from tests.pipeline import fixtures
from tests.support.envelope import assert_envelope


def _pdf(tmp_path: Path, index: int = 0) -> bytes:
    return fixtures.make_cv_pdf(tmp_path / f"cv{index}.pdf", text=cv_text(index)).read_bytes()


async def test_upload_keeps_each_file_and_reports_rejects(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    user = await make_user()
    pdf = _pdf(tmp_path)
    docx = fixtures.make_cv_docx(tmp_path / "b.docx", text=cv_text(1)).read_bytes()
    latin = cv_text(2).replace("Candidate", "Candidaté").encode("cp1252")
    body, headers = multipart(
        [
            ("ada.pdf", pdf),
            ("bob.docx", docx),
            ("cp1252.txt", latin),
            ("empty.pdf", b""),
            ("setup.pdf", EXE_BYTES),
            ("notes.docx", b"PK\x03\x04" + b"\x00" * 200),
        ]
    )
    response = await client.post("/api/v1/files", content=body, headers={**headers, **auth(user)})
    assert response.status_code == 201, response.text
    result = response.json()
    kinds = {item["filename"]: item["content_type"] for item in result["items"]}
    assert kinds == {
        "ada.pdf": "application/pdf",
        "bob.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "cp1252.txt": "text/plain",
    }
    pdf_item = next(i for i in result["items"] if i["filename"] == "ada.pdf")
    assert pdf_item["sha256"] == hashlib.sha256(pdf).hexdigest() and pdf_item["size"] == len(pdf)
    errors = {e["filename"]: e["error_code"] for e in result["errors"]}
    assert errors == {
        "empty.pdf": "EMPTY_FILE",
        "setup.pdf": "UNSUPPORTED_TYPE",
        "notes.docx": "UNSUPPORTED_TYPE",
    }
    stored = files_under(settings.upload_dir)
    assert (
        settings.upload_dir.resolve()
        / pdf_item["sha256"][:2]
        / pdf_item["sha256"][2:4]
        / pdf_item["sha256"]
        in stored
    )
    assert len(stored) == 3  # nothing left in tmp/, rejects not kept


async def test_same_content_is_stored_once_per_owner(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    owner, other = await make_user(), await make_user()
    pdf = _pdf(tmp_path)
    body, headers = multipart([("a.pdf", pdf), ("copy.pdf", pdf)])
    first = await client.post("/api/v1/files", content=body, headers={**headers, **auth(owner)})
    again = await client.post("/api/v1/files", content=body, headers={**headers, **auth(owner)})
    theirs = await client.post("/api/v1/files", content=body, headers={**headers, **auth(other)})
    assert len(first.json()["items"]) == 1
    assert again.json()["items"][0]["id"] == first.json()["items"][0]["id"]
    assert theirs.json()["items"][0]["id"] != first.json()["items"][0]["id"]
    assert len(files_under(settings.upload_dir)) == 1  # one blob for both owners


async def test_hostile_filenames_stay_metadata(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    user = await make_user()
    outside = tmp_path / "escaped.pdf"
    body, headers = multipart(
        [("../../escaped.pdf\x00.exe", _pdf(tmp_path)), ("..\\..\\win.txt", cv_text(3).encode())]
    )
    response = await client.post("/api/v1/files", content=body, headers={**headers, **auth(user)})
    assert response.status_code == 201, response.text
    names = sorted(item["filename"] for item in response.json()["items"])
    assert names == ["escaped.pdf.exe", "win.txt"]
    assert not outside.exists()
    root = settings.upload_dir.resolve()
    assert all(path.resolve().is_relative_to(root) for path in files_under(tmp_path / "uploads"))
    assert {p for p in files_under(tmp_path) if p.name != "cv0.pdf"} <= (
        files_under(root) | files_under(settings.log_dir)
    )


async def test_oversize_file_is_rejected_alone(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    settings.max_upload_mb = 1
    user = await make_user()
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    body, headers = multipart([("big.pdf", big), ("ok.pdf", _pdf(tmp_path))])
    response = await client.post("/api/v1/files", content=body, headers={**headers, **auth(user)})
    assert response.status_code == 201
    assert [i["filename"] for i in response.json()["items"]] == ["ok.pdf"]
    assert response.json()["errors"][0]["error_code"] == "FILE_TOO_LARGE"
    assert len(files_under(settings.upload_dir)) == 1


async def test_oversize_request_is_413(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    settings.max_request_mb = 1
    user = await make_user()
    body, headers = multipart([(f"cv{i}.txt", cv_text(i).encode() * 600) for i in range(3)])
    assert len(body) > 1024 * 1024
    response = await client.post("/api/v1/files", content=body, headers={**headers, **auth(user)})
    error = assert_envelope(response, 413, "REQUEST_TOO_LARGE")
    assert "MAX_REQUEST_MB = 1" in str(error["detail"])
    assert error["limit"] == "max_request_mb" and error["value"] == 1

    async def chunked() -> object:  # no Content-Length: the limit applies while streaming
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    streamed = await client.post(
        "/api/v1/files", content=chunked(), headers={**headers, **auth(user)}
    )
    assert_envelope(streamed, 413, "REQUEST_TOO_LARGE")
    assert files_under(settings.upload_dir) == set()


async def test_file_count_limit_is_a_setting(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    settings.max_files_per_request = 3
    user = await make_user()
    at_limit, headers = multipart([(f"cv{i}.txt", cv_text(i).encode()) for i in range(3)])
    ok = await client.post("/api/v1/files", content=at_limit, headers={**headers, **auth(user)})
    assert ok.status_code == 201 and len(ok.json()["items"]) == 3
    over, headers = multipart([(f"cv{i}.txt", cv_text(i).encode()) for i in range(4)])
    refused = await client.post("/api/v1/files", content=over, headers={**headers, **auth(user)})
    error = assert_envelope(refused, 413, "REQUEST_TOO_LARGE")
    assert "MAX_FILES_PER_REQUEST = 3" in str(error["detail"])


async def test_a_thousand_files_in_one_request(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    """Starlette's form parser stops at 1,000 files; the intake honours the setting."""
    assert settings.max_files_per_request == 1000
    user = await make_user()
    body, headers = multipart(
        [(f"cv{i}.txt", f"CV {i}\nPython developer\n".encode()) for i in range(1000)]
    )
    response = await client.post("/api/v1/files", content=body, headers={**headers, **auth(user)})
    assert response.status_code == 201, response.text
    assert len(response.json()["items"]) == 1000 and response.json()["errors"] == []
    one_more, headers = multipart([(f"cv{i}.txt", b"x") for i in range(1001)])
    refused = await client.post(
        "/api/v1/files", content=one_more, headers={**headers, **auth(user)}
    )
    assert_envelope(refused, 413, "REQUEST_TOO_LARGE")


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b'{"files": []}', "application/json", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--x--\r\n',
            "multipart/form-data; boundary=x",
            422,
            "VALIDATION_ERROR",
        ),
        (
            b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nabc',
            "multipart/form-data; boundary=x",
            400,
            "BAD_REQUEST",
        ),
    ],
)
async def test_bad_bodies(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    content: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    user = await make_user()
    response = await client.post(
        "/api/v1/files", content=content, headers={"Content-Type": content_type, **auth(user)}
    )
    assert_envelope(response, status, code)


async def test_list_and_delete(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    owner, other = await make_user(), await make_user()
    pdf = _pdf(tmp_path)
    body, headers = multipart(
        [("a.pdf", pdf), ("b.txt", cv_text(5).encode()), ("c.txt", cv_text(6).encode())]
    )
    mine = (
        await client.post("/api/v1/files", content=body, headers={**headers, **auth(owner)})
    ).json()["items"]
    body, headers = multipart([("theirs.pdf", pdf)])
    await client.post("/api/v1/files", content=body, headers={**headers, **auth(other)})
    page = (await client.get("/api/v1/files", params={"limit": 2}, headers=auth(owner))).json()
    rest = (
        await client.get(
            "/api/v1/files", params={"cursor": page["next_cursor"]}, headers=auth(owner)
        )
    ).json()
    listed = [i["id"] for i in page["items"] + rest["items"]]
    assert sorted(listed) == sorted(i["id"] for i in mine) and rest["next_cursor"] is None

    pdf_id = mine[0]["id"]
    assert_envelope(
        await client.delete(f"/api/v1/files/{pdf_id}", headers=auth(other)), 404, "NOT_FOUND"
    )
    assert (await client.delete(f"/api/v1/files/{pdf_id}", headers=auth(owner))).status_code == 204
    assert len(files_under(settings.upload_dir)) == 3  # the other owner still uses the PDF blob
    txt_id = mine[1]["id"]
    assert (await client.delete(f"/api/v1/files/{txt_id}", headers=auth(owner))).status_code == 204
    assert len(files_under(settings.upload_dir)) == 2
    assert_envelope(
        await client.delete(f"/api/v1/files/{txt_id}", headers=auth(owner)), 404, "NOT_FOUND"
    )
