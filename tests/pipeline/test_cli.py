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
