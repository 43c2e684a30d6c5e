from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.sniff import detect_type, is_docx, looks_like_text, sanitize_filename
from tests.pipeline.fixtures import make_cv_docx, make_cv_pdf


def test_detects_pdf_docx_and_text(tmp_path: Path) -> None:
    pdf = make_cv_pdf(tmp_path / "cv.pdf")
    docx_path = make_cv_docx(tmp_path / "cv.docx")
    assert detect_type(pdf.read_bytes()[:2048]) == "pdf"
    assert detect_type(docx_path.read_bytes()[:2048]) == "docx"
    assert is_docx(docx_path)
    assert detect_type("Jane Doe\nPython developer \u2013 café\n".encode()) == "txt"


def test_plain_zip_is_not_docx(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert detect_type(path.read_bytes()) == "docx"  # provisional, by head only
    assert not is_docx(path)


def test_exe_renamed_pdf_is_rejected() -> None:
    head = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(range(256))
    assert detect_type(head) is None
    assert not looks_like_text(head)


@pytest.mark.parametrize(
    "sample",
    ["Grüße aus München\n".encode("utf-8-sig"), "Résumé \u2013 naïve".encode("utf-16"),
     "Curriculum vitae, São Paulo".encode("latin-1")],
)  # fmt: skip
def test_text_in_other_encodings(sample: bytes) -> None:
    assert looks_like_text(sample)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("cv\x00.pdf", "cv.pdf"),
        ("bad\x07name\n.docx", "badname.docx"),
        ("..", "file"),
        ("", "file"),
        ("a..b.pdf", "ab.pdf"),
        # bidi overrides and isolates: "\u202etxt.exe" shows as "exe.txt" otherwise
        ("\u202etxt.exe", "txt.exe"),
        ("cv\u2066\u2067\u2068\u2069\u200e\u200f\u061c.pdf", "cv.pdf"),
        # zero-width and other invisible characters, the BOM, line separators
        ("a\u200bb\u200d\u2060c\ufeff.pdf", "abc.pdf"),
        ("cv\u2028\u2029\x85.docx", "cv.docx"),
        # NFC: a decomposed accent becomes one character
        ("Jose\u0301.pdf", "Jos\u00e9.pdf"),
        ("a.\u200b.b.pdf", "ab.pdf"),
    ],
)
def test_sanitize_filename(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


@pytest.mark.parametrize(
    ("raw", "ext"),
    [
        ("x" * 400 + ".pdf", ".pdf"),
        ("\u00e9" * 300 + ".docx", ".docx"),
        ("\U0001f600" * 100 + ".txt", ".txt"),
    ],
)
def test_sanitize_filename_caps_bytes_and_keeps_extension(raw: str, ext: str) -> None:
    name = sanitize_filename(raw)
    assert 250 <= len(name.encode()) <= 255
    assert name.endswith(ext)
    assert raw.startswith(name.removesuffix(ext))  # cut between characters, never inside one


def test_a_long_name_without_an_extension_is_cut_too() -> None:
    assert sanitize_filename("y" * 8000) == "y" * 255
    assert len(sanitize_filename("z." + "e" * 300).encode()) == 255  # not an extension
