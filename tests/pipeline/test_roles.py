"""Role titles without dates, the O*NET occupations they name, and section layouts."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.occupations import get_occupations, title_tokens
from pipeline.parse import parse_cv
from pipeline.roles import find_role_titles, infer_occupations, split_roles
from pipeline.sections import split_sections, unglue_headings

TODAY = date(2024, 6, 1)


def _titles(code: str) -> str:
    data = get_occupations()
    index = data.index_of(code)
    assert index is not None
    return data.titles[index]


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Senior Java Developer", "15-1251.00"),
        ("Sr. Software Engineer", "15-1252.00"),
        ("Lead database administrator", "15-1242.00"),
        ("Registered Nurse", "29-1141.00"),
        ("Electrical engineering", "17-2071.00"),  # the field standing for the role
        ("Data science", "15-2051.00"),
        ("Mechanical Design Engineer", "17-2141.00"),
        ("Computer Programmers", "15-1251.00"),  # an O*NET title itself
    ],
)
def test_titles_read_as_their_occupation(title: str, code: str) -> None:
    match = get_occupations().match_title(title)
    assert match is not None
    assert _titles(code) in [get_occupations().titles[i] for i in match.occupations]


def test_field_words_decide_over_a_generic_role_noun() -> None:
    data = get_occupations()
    match = data.match_title("HR Executive")
    assert match is not None
    names = {data.titles[i] for i in match.occupations}
    assert "Human Resources Specialists" in names and "Chief Executives" not in names


@pytest.mark.parametrize("line", ["Java, Spring, Hibernate", "Company", "Description", "Mumbai"])
def test_lines_without_a_role_noun_are_not_titles(line: str) -> None:
    match = get_occupations().match_title(line)
    assert match is None or match.field_only


def test_title_tokens_drop_seniority_and_read_spellings() -> None:
    assert title_tokens("Sr. Dot Net Developer") == ("net", "developer")
    assert title_tokens("HR Manager") == ("human", "resource", "manager")


def test_closeness_of_occupations() -> None:
    data = get_occupations()
    java, dotnet, lawyer = (data.index_of(c) for c in ("15-1251.00", "15-1252.00", "23-1011.00"))
    assert java is not None and dotnet is not None and lawyer is not None
    assert data.similarity(java, java) == 1.0
    assert 0.3 < data.similarity(java, dotnet) < 1.0
    assert data.similarity(java, lawyer) == 0.0


def test_headline_without_dates_is_read() -> None:
    text = "Priya Raman\nSenior Java Developer\npriya@example.com\n\nSKILLS\nJava, Spring\n"
    profile = parse_cv(text, today=TODAY)
    assert profile.headline == "Senior Java Developer"
    assert profile.occupations[0]["title"] == "Computer Programmers"
    assert profile.occupations[0]["from"] == "Senior Java Developer"


def test_layout_words_and_list_items_never_become_titles() -> None:
    text = (
        "Education Details\nB.E. Computer Science Pune University\nJava Developer\n\n"
        "Java Developer - Maxgen Technologies\nSkill Details\nJAVA- Exprience - 24 months\n"
        "Company Details\ncompany - Maxgen Technologies\ndescription - Built billing APIs\n"
        "• Recruiting\n• Customer Relationship\n"
    )
    profile = parse_cv(text, today=TODAY)
    assert profile.role_titles == ["Java Developer"]
    assert all(o["from"] == "Java Developer" for o in profile.occupations)


def test_field_only_headline_counts_only_on_a_line_of_its_own() -> None:
    alone = parse_cv("Asha K\n\nHR\n\nSkill Details\nPayroll\n", today=TODAY)
    assert alone.role_titles == ["HR"]
    in_text = parse_cv("Asha K\nSUMMARY\nWorked with HR\nHR\non hiring drives\n", today=TODAY)
    assert in_text.role_titles == []


def test_the_name_line_is_never_a_role() -> None:
    profile = parse_cv("John Baker\njohn@example.com\n\nSKILLS\nExcel\n", today=TODAY)
    assert profile.role_titles == []


def test_two_roles_in_one_title_read_as_both() -> None:
    assert split_roles("Web designer and Developer") == ["Web designer", "Developer"]
    assert split_roles("Research and Development Engineer") == ["Research and Development Engineer"]
    names = {o["title"] for o in infer_occupations(["Web designer and Developer"], [])}
    assert {"Web and Digital Interface Designers", "Software Developers"} <= names


def test_find_role_titles_skips_certificates_and_degrees() -> None:
    lines = [
        "Ravi Kumar", "Network Engineer", "", "CERTIFICATIONS",
        "Microsoft Certified Systems Engineer", "EDUCATION", "Bachelor of Engineering",
    ]  # fmt: skip
    assert find_role_titles(split_sections(lines), name="Ravi Kumar") == ["Network Engineer"]


def test_headings_glued_to_the_line_before_are_split() -> None:
    lines = unglue_headings(
        [
            "Sql- Exprience - Less than 1 year monthsCompany Details",
            "with Profiles. Education Details",
            "we value work experience",
        ]
    )
    assert lines == ["Sql- Exprience - Less than 1 year months", "Company Details",
                     "with Profiles.", "Education Details", "we value work experience"]  # fmt: skip
    names = [s.name for s in split_sections(lines)]
    assert names == ["header", "experience", "education"]


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("Skill Details", "skills"), ("Company Details", "experience"),
        ("EDUCATION DETAILS", "education"), ("Summary of Qualifications", "summary"),
        ("Project Details", "projects"), ("Personal Particulars", "personal"),
        ("Education |", "education"), ("TECHNICAL SKILL SET", "skills"),
    ],
)  # fmt: skip
def test_headings_of_indian_european_and_us_styles(heading: str, section: str) -> None:
    sections = split_sections([heading, "content"])
    assert [s.name for s in sections] == ["header", section]


def test_occupations_do_not_depend_on_the_process_hash_seed() -> None:
    import os
    import subprocess
    import sys

    code = (
        "from pipeline.roles import infer_occupations as f;"
        "print(f(['HR Administrator', 'Data Management Specialist',"
        " 'Strategy document preparation', 'Sales Executive'], []))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
        for seed in (1, 2, 3)
    }  # fmt: skip
    assert len(outputs) == 1
