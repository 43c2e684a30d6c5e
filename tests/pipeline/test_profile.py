from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.extract import extract_document
from pipeline.parse import parse_cv
from pipeline.types import Profile
from tests.pipeline.fixtures import cv_fields, make_cv_docx, make_cv_pdf, render_text

TODAY = date(2024, 6, 1)
PERSONAL = [
    "Date of Birth: 14/02/1988",
    "Gender: Female",
    "Marital Status: Married",
    "Nationality: Irish",
    "Religion: Catholic",
]


def _text() -> str:
    fields = cv_fields("nurse", years=6, name="Maeve O'Connor", personal=PERSONAL,
                       links=["https://www.linkedin.com/in/maeve-oconnor",
                              "github.com/maeve-oc"])  # fmt: skip
    return render_text(fields)


def _profile(kind: str, tmp_path: Path) -> Profile:
    text = _text()
    if kind == "txt":
        return parse_cv(text, today=TODAY)
    path = tmp_path / f"cv.{kind}"
    (make_cv_pdf if kind == "pdf" else make_cv_docx)(path, text=text)
    document = extract_document(path, kind)
    return parse_cv(document.text, today=TODAY)


@pytest.mark.parametrize("kind", ["txt", "pdf", "docx"])
def test_every_profile_field(kind: str, tmp_path: Path) -> None:
    profile = _profile(kind, tmp_path)
    assert profile.name == "Maeve O'Connor"
    assert profile.email == "jordan.avery@example.com"
    assert profile.phone == "+447700900123"
    assert "https://www.linkedin.com/in/maeve-oconnor" in profile.links
    assert "github.com/maeve-oc" in profile.links
    assert profile.location == "Leeds, United Kingdom"
    assert profile.summary and "6 years" in profile.summary
    assert {"Patient Care", "Wound Care", "BLS", "Medication Administration"} <= set(profile.skills)
    evidence = {row["skill"]: row for row in profile.skill_evidence}
    assert "surgical ward" in evidence["Patient Care"]["evidence"]
    assert evidence["Patient Care"]["last_used"] == 2024
    assert all(len(row["evidence"]) <= 200 for row in profile.skill_evidence)
    assert profile.experience == [
        {"title": "Registered Nurse", "company": "St Mary's Hospital", "start": "2021-03",
         "end": "present"},
        {"title": "Staff Nurse", "company": "City General Hospital", "start": "2018-01",
         "end": "2021-02"},
    ]  # fmt: skip
    assert profile.total_years_experience == 6.5  # Jan 2018 to Jun 2024
    assert profile.education == [
        {"degree": "Bachelor of Science in Nursing", "level": "bachelor", "field": "Nursing",
         "institution": "University of Leeds", "graduation_year": 2017}
    ]  # fmt: skip
    assert profile.languages == ["English", "French"]
    assert profile.certifications == ["Certified Registered Nurse (2021)"]
    assert profile.protected == {
        "gender": "female", "date_of_birth": "14/02/1988", "age": 36, "nationality": "Irish",
        "marital_status": "Married", "religion": "Catholic", "has_photo": False,
    }  # fmt: skip


def test_profile_round_trips_through_json(tmp_path: Path) -> None:
    profile = _profile("txt", tmp_path)
    data: dict[str, Any] = json.loads(json.dumps(profile.to_dict()))
    assert Profile.from_dict(data) == profile


def test_text_terms_leave_out_name_and_protected_attributes(tmp_path: Path) -> None:
    terms = _profile("txt", tmp_path).text_terms
    for word in ("maeve", "connor", "female", "married", "irish", "catholic", "1988"):
        assert word not in terms
    assert "skill:patient care" in terms


def test_cv_without_headings() -> None:
    text = (
        "Tomasz Nowak\nWarsaw, Poland\ntomasz.nowak@example.org\n\n"
        "Accountant, Baltic Trade Ltd, 2016 - 2020\nPrepared financial reporting and "
        "bank reconciliations.\nMSc in Finance, Warsaw School of Economics, 2015\n"
    )
    profile = parse_cv(text, today=TODAY)
    assert profile.name == "Tomasz Nowak"
    assert profile.experience[0]["title"] == "Accountant"
    assert profile.experience[0]["company"] == "Baltic Trade Ltd"
    assert profile.education[0]["level"] == "master"
    assert profile.education[0]["graduation_year"] == 2015
    assert {"Financial Reporting", "Bank Reconciliation"} <= set(profile.skills)


def test_stated_years_count_when_no_ranges() -> None:
    profile = parse_cv("Lee Park\nSales executive with 7+ years of experience in B2B sales.\n")
    assert profile.total_years_experience == 7.0


@pytest.mark.parametrize(
    ("line", "years"),
    [
        ("Total work experience of 3.5 years in payroll and HR systems.", 3.5),
        ("Total IT experience: 9 yrs", 9.0),
        ("Overall experience - over 12 years across retail banking", 12.0),
        ("Professional experience of about 6+ years as a site engineer", 6.0),
    ],
)
def test_stated_experience_of_n_years_counts(line: str, years: float) -> None:
    profile = parse_cv(f"Noor Haddad\n{line}\n")
    assert profile.total_years_experience == years


def test_stated_years_win_over_shorter_listed_ranges() -> None:
    text = ("Ines Valko\nTotal experience of 5 years.\n\nEXPERIENCE\nAnalyst\n"
            "Kestrel Ltd | Jan 2022 - Dec 2023\n")  # fmt: skip
    assert parse_cv(text, today=TODAY).total_years_experience == 5.0


def test_experience_in_a_skill_list_is_not_a_statement() -> None:
    text = "Ines Valko\nSKILLS\nJava (2 years), SQL (less than 1 year), experienced in Excel\n"
    assert parse_cv(text, today=TODAY).total_years_experience is None


def test_odd_input_does_not_raise_and_invents_nothing() -> None:
    for text in ["", "\n\n", "x" * 5000, "• • •\n----\n2020-2021\n", "@@@ 12/13/2020"]:
        profile = parse_cv(text)
        found = (profile.name, profile.email, profile.phone, profile.location)
        assert found == (None, None, None, None), text
        assert (profile.skills, profile.experience, profile.education) == ([], [], []), text
        assert profile.total_years_experience is None, text
        assert Profile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_protected_labels_with_nothing_after_them_are_left_empty() -> None:
    profile = parse_cv("Ines Valko\nSex: \nNationality:  \nSKILLS\nPython\n", today=TODAY)
    assert profile.protected["gender"] is None
    assert profile.protected["nationality"] is None
    assert profile.skills == ["Python"]
