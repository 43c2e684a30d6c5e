from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ExtractionError
from pipeline.extract import extract_document, extract_text
from tests.pipeline.fixtures import (
    make_cv_docx,
    make_cv_pdf,
    make_encrypted_pdf,
    make_image_only_pdf,
    make_two_column_pdf,
    make_zip_bomb_docx,
)


def _code(path: Path, kind: str) -> str:
    with pytest.raises(ExtractionError) as info:
        extract_text(path, kind)
    return info.value.code


def test_two_column_pdf_reads_column_by_column(tmp_path: Path) -> None:
    left = ["SKILLS", "Python", "Docker", "Kubernetes", "LANGUAGES", "English", "German"]
    right = ["EXPERIENCE", "Backend Engineer at Acme Ltd", "Built billing APIs in Python",
             "Ran services on Kubernetes", "Led a team of four", "Cut costs by 20%"]  # fmt: skip
    path = make_two_column_pdf(tmp_path / "two.pdf", left, right, "Jordan Avery - Engineer")
    lines = [ln.strip() for ln in extract_text(path, "pdf").splitlines() if ln.strip()]
    assert lines[0].startswith("Jordan Avery")
    left_at = [lines.index(x) for x in left]
    right_at = [lines.index(x) for x in right]
    assert left_at == sorted(left_at)
    assert right_at == sorted(right_at)
    # no interleaving: all of one column comes before the other
    assert max(left_at) < min(right_at)


def test_single_column_pdf_keeps_order(tmp_path: Path) -> None:
    path = make_cv_pdf(tmp_path / "cv.pdf", occupation="nurse")
    text = extract_text(path, "pdf")
    assert text.index("WORK EXPERIENCE") < text.index("EDUCATION") < text.index("SKILLS")


def test_encrypted_pdf(tmp_path: Path) -> None:
    assert _code(make_encrypted_pdf(tmp_path / "enc.pdf"), "pdf") == "PDF_ENCRYPTED"


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n garbage garbage")
    assert _code(path, "pdf") == "PDF_CORRUPT"


def test_image_only_pdf_has_no_text_layer(tmp_path: Path) -> None:
    assert _code(make_image_only_pdf(tmp_path / "scan.pdf"), "pdf") == "NO_TEXT_LAYER"


def test_zip_bomb_docx(tmp_path: Path) -> None:
    assert _code(make_zip_bomb_docx(tmp_path / "bomb.docx"), "docx") == "FILE_TOO_LARGE"


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert _code(path, "docx") == "DOCX_CORRUPT"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert _code(path, "pdf") == "EMPTY_FILE"


def test_unsupported_kind(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"MZ\x90\x00")
    assert _code(path, "exe") == "UNSUPPORTED_TYPE"


def test_docx_table_text_and_photo(tmp_path: Path) -> None:
    path = make_cv_docx(tmp_path / "cv.docx", occupation="lawyer", photo=True)
    document = extract_document(path, "docx")
    assert "jordan.avery@example.com" in document.text  # the contact line sits in a table
    assert "Litigation" in document.text
    assert document.has_image


def test_pdf_photo_flag(tmp_path: Path) -> None:
    assert extract_document(make_cv_pdf(tmp_path / "a.pdf", photo=True), "pdf").has_image
    assert not extract_document(make_cv_pdf(tmp_path / "b.pdf"), "pdf").has_image


def test_txt_in_latin1(tmp_path: Path) -> None:
    path = tmp_path / "cv.txt"
    path.write_bytes("José Álvarez\nIngeniero de software en Málaga, España\n".encode("cp1252"))
    assert "José Álvarez" in extract_text(path, "txt")
