from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.pipeline.fixtures import make_cv_docx, make_cv_text


def test_parse_prints_a_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_cv_docx(tmp_path / "cv.docx", occupation="lawyer")
    assert main(["parse", str(path)]) == 0
    profile = json.loads(capsys.readouterr().out)
    assert profile["name"] == "Jordan Avery"
    assert "Litigation" in profile["skills"]


def test_match_ranks_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nurse = tmp_path / "nurse.txt"
    nurse.write_text(make_cv_text("nurse"), encoding="utf-8")
    lawyer = tmp_path / "lawyer.txt"
    lawyer.write_text(make_cv_text("lawyer"), encoding="utf-8")
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff")
    posting = tmp_path / "posting.json"
    posting.write_text(json.dumps({"title": "Registered Nurse",
                                   "description": "Requirements:\n- Wound care, BLS"}))  # fmt: skip
    assert main(["match", "--posting", str(posting), "--json", str(lawyer), str(junk),
                 str(nurse)]) == 0  # fmt: skip
    results = json.loads(capsys.readouterr().out)["results"]
    assert [Path(r["file"]).name for r in results] == ["nurse.txt", "lawyer.txt", "junk.pdf"]
    assert results[2]["error_code"] == "UNSUPPORTED_TYPE"


def test_a_plain_text_posting_is_read_like_the_api_reads_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nurse = tmp_path / "nurse.txt"
    nurse.write_text(make_cv_text("nurse"), encoding="utf-8")
    posting = tmp_path / "posting.txt"
    posting.write_text(
        "Registered Nurse\n\nRequirements:\n- 3+ years of wound care and BLS\n", encoding="utf-8"
    )
    assert main(["match", "--posting", str(posting), "--json", str(nurse)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["posting"]["title"] == "Registered Nurse"
    assert answer["posting"]["min_years_experience"] == 3
    assert "BLS" in answer["posting"]["required_skills"]
    assert answer["results"][0]["score"] > 0


def test_missing_and_empty_files_are_error_codes_not_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert main(["parse", str(empty)]) == 1
    assert json.loads(capsys.readouterr().out)["error_code"] == "EMPTY_FILE"
    assert main(["parse", str(tmp_path / "gone.pdf")]) == 1
    assert json.loads(capsys.readouterr().out)["error_code"] == "FILE_NOT_FOUND"
    posting = tmp_path / "posting.txt"
    posting.write_text("Nurse\nWound care", encoding="utf-8")
    assert main(["match", "--posting", str(posting), "--json", str(empty),
                 str(tmp_path / "gone.pdf")]) == 0  # fmt: skip
    codes = [r["error_code"] for r in json.loads(capsys.readouterr().out)["results"]]
    assert sorted(codes) == ["EMPTY_FILE", "FILE_NOT_FOUND"]


def test_an_unreadable_posting_is_one_line_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cv = tmp_path / "cv.txt"
    cv.write_text(make_cv_text("nurse"), encoding="utf-8")
    assert main(["match", "--posting", str(tmp_path / "none.txt"), str(cv)]) == 2
    assert capsys.readouterr().err.strip() == f"error: no such posting file: {tmp_path}/none.txt"
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n", encoding="utf-8")
    assert main(["match", "--posting", str(blank), str(cv)]) == 2
    assert "is empty" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "T", "description": "x", "charisma": 3}', encoding="utf-8")
    assert main(["match", "--posting", str(bad), str(cv)]) == 2
    assert "not valid" in capsys.readouterr().err
