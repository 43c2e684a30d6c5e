from __future__ import annotations

from datetime import date

import pytest

from pipeline.contact import find_phone, normalize_phone
from pipeline.dates import find_ranges, total_years
from pipeline.education import parse_education
from pipeline.sections import heading_name, split_sections
from pipeline.skills import LineInfo, collect_skills
from pipeline.taxonomy import get_taxonomy


@pytest.mark.parametrize(
    ("line", "start", "end"),
    [
        ("Jan 2019 \u2013 Present", "2019-01", "present"),
        ("2017-2019", "2017-01", "2019-01"),
        ("03/2018 to 11/2020", "2018-03", "2020-11"),
        ("November 2017 to Present", "2017-11", "present"),
        ("2019 - current", "2019-01", "present"),
        ("Sept. 2015 - Aug 2016", "2015-09", "2016-08"),
        ("Acme Ltd (May 2018 \u2013 Dec 2020)", "2018-05", "2020-12"),
        ("Since 2012", "2012-01", "present"),
        ("Jun\u201919 - Dec\u201920", "2019-06", "2020-12"),
        ("2016.04 - 2018.09", "2016-04", "2018-09"),
    ],
)
def test_date_styles(line: str, start: str, end: str) -> None:
    ranges = find_ranges(line)
    assert [(r.start_str(), r.end_str()) for r in ranges] == [(start, end)]


def test_phone_number_is_not_a_date_range() -> None:
    assert find_ranges("Call +91 98450 12345") == []


def test_overlapping_ranges_are_not_double_counted() -> None:
    ranges = find_ranges("Jan 2015 - Dec 2018") + find_ranges("Jan 2017 - Dec 2019")
    assert total_years(ranges, date(2024, 1, 1)) == 5.0
    gap = find_ranges("Jan 2010 - Dec 2010") + find_ranges("Jan 2012 - Dec 2012")
    assert total_years(gap, date(2024, 1, 1)) == 2.0


def test_present_counts_until_today() -> None:
    assert total_years(find_ranges("Jan 2020 - Present"), date(2022, 12, 15)) == 3.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+91 98450 12345", "+919845012345"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("0044 20 7946 0958", "+442079460958"),
        ("(555) 123-4567", "5551234567"),
        ("020 7946 0958", "02079460958"),
        ("12345", None),
    ],
)
def test_phone_formats(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_find_phone_skips_years_and_ranges() -> None:
    assert find_phone(["2015 - 2018", "Mobile: +44 7700 900123"]) == "+447700900123"


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("B.E in Information Science", "bachelor"),
        ("B.Tech (Civil Engineering)", "bachelor"),
        ("BSc (Hons) Computer Science", "bachelor"),
        ("MCA from Pune University", "master"),
        ("M.Sc. Physics", "master"),
        ("MBA in Finance", "master"),
        ("Diplom-Ingenieur Maschinenbau", "master"),
        ("Licence en droit", "bachelor"),
        ("PhD in Chemistry", "doctorate"),
        ("12th (HSC), State Board", "high_school"),
        ("Diploma in Nursing", "diploma"),
        ("Bachelor of Laws (LLB)", "bachelor"),
    ],
)
def test_degree_names(line: str, level: str) -> None:
    entries = parse_education([line, "Some University, 2014"])
    assert entries and entries[0]["level"] == level
    assert entries[0]["graduation_year"] == 2014


def test_master_data_is_not_a_degree() -> None:
    assert parse_education(["Maintained vendor master data in SAP"]) == []


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("WORK EXPERIENCE", "experience"),
        ("Education:", "education"),
        ("Technical Skills", "skills"),
        ("## Core Competencies", "skills"),
        ("PROFESSIONAL SUMMARY", "summary"),
        ("Education & Training", "education"),
        ("Licences and Certifications", "certifications"),
        ("RELEVANT WORK EXPERIENCE", "experience"),
    ],
)
def test_heading_styles(line: str, name: str) -> None:
    assert heading_name(line) == name


def test_underlined_heading_and_sentences_are_not_headings() -> None:
    sections = split_sections(["Jane Roe", "Experience", "----------", "Nurse at X", "Skills"])
    assert [s.name for s in sections] == ["header", "experience", "skills"]
    assert heading_name("My experience with Java is broad") is None
    assert heading_name("Skills: Python, SQL") is None


def test_ambiguous_skills_need_a_skills_context() -> None:
    taxonomy = get_taxonomy()

    def found(text: str) -> set[str]:
        return {hit.skill for hit in taxonomy.find(text)}

    assert found("Programming languages: C, C++, Java") >= {"C", "C++", "Java"}
    assert "Go" not in found("I will go to the office and rest")
    assert "REST APIs" not in found("I will go to the office and rest")
    assert "R" not in found("Grade R teacher at a primary school")
    assert {"Go", "Python"} <= found("Python, Go, Docker")
    assert "Go" in {h.skill for h in taxonomy.find("Go", skill_context=True)}


def test_a_skill_name_never_runs_across_lines() -> None:
    taxonomy = get_taxonomy()
    assert [h.skill for h in taxonomy.find("machine learning")] == ["Machine Learning"]
    assert taxonomy.find("machine\nlearning") == []
    assert [h.skill for h in taxonomy.find("SQL\nServer")] == ["SQL"]
    # an ambiguous name needs a skill beside it on its own line
    assert "Go" not in {h.skill for h in taxonomy.find("Python, Docker\nGo")}


def test_skills_from_many_lines_keep_their_own_line_section_and_years() -> None:
    lines = [
        LineInfo("Jane Doe", "header", None),
        LineInfo("Languages: Python (5 years), C, R", "skills", None),
        LineInfo("Go", "skills", None),
        LineInfo("Backend Developer, Acme 2019 - 2022", "experience", 2022, 0),
        LineInfo("Built services in Go; 3 yrs of Docker and Kubernetes", "experience", 2022, 0),
        LineInfo("Learning to go further with AWS", "summary", None),
    ]
    order, rows = collect_skills(lines, get_taxonomy())
    by_name = {row["skill"]: row for row in rows}
    assert {"Python", "C", "R", "Go", "Docker", "Kubernetes", "AWS"} <= set(order)
    assert by_name["Python"]["years"] == 5.0
    assert by_name["Docker"]["years"] == 3.0
    assert by_name["Docker"]["jobs"] == [0] and by_name["Docker"]["last_used"] == 2022
    assert by_name["Docker"]["evidence"].startswith("Built services in Go")
    assert by_name["AWS"]["evidence"] == "Learning to go further with AWS"
    assert by_name["Go"]["jobs"] == []  # "Go" alone in the experience line is not a list item


def test_aliases_map_to_canonical_names() -> None:
    taxonomy = get_taxonomy()
    assert taxonomy.canonical("k8s") == "Kubernetes"
    assert taxonomy.canonical("Postgres") == "PostgreSQL"
    assert taxonomy.canonical("ReactJS") == "React"
    assert taxonomy.canonical("React.js") == "React"
    assert taxonomy.canonical("MS SQL") == "SQL Server"
    assert taxonomy.canonical("JS") == "JavaScript"
    assert taxonomy.canonical("Oracle Java") == "Java"
    assert taxonomy.canonical("Microsoft Excel") == "Excel"
    assert taxonomy.canonical("cold calling") == "Cold Calling"
    assert taxonomy.canonical("surely not a skill") is None
