"""Scoring rules that weigh evidence: where a skill was used, job titles, relevant years."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.parse import parse_cv
from pipeline.score import resolve_posting, score_pool
from pipeline.titles import title_head, title_similarity
from tests.pipeline.fixtures import make_cv_text

TODAY = date(2024, 6, 1)
JAVA_POSTING: dict[str, Any] = {
    "title": "Senior Java Developer",
    "description": (
        "We build payment software.\nRequirements:\n- 4+ years building services in Java\n"
        "- Spring Boot, Hibernate and REST APIs\n- Docker and PostgreSQL\n"
        "Nice to have:\n- Kafka\n"
    ),
}
# A real developer who writes briefly, with aliases instead of the posting's words.
TERSE_DEVELOPER = """Tamsin Orvel
Leeds | tamsin.o@example.org

EXPERIENCE
Backend Engineer
Quillby Payments Ltd | Feb 2019 - Present
• Owned the card ledger service in Java end to end
• Cut checkout latency by a third by tuning Postgres queries

Java Developer
Marrow Systems | Jan 2016 - Jan 2019
• Broke a legacy app into small deployable services

SKILLS
Java, SpringBoot, Postgres
"""
# A developer who names the tools in aliases (SpringBoot, Postgres, REST).
ALIAS_DEVELOPER = TERSE_DEVELOPER.replace(
    "• Cut checkout latency by a third by tuning Postgres queries",
    "• Built the services with SpringBoot and Hibernate, shipped them in Docker\n"
    "• Cut checkout latency by a third by tuning Postgres queries and RESTful services",
)
# A recruiter whose keyword section lists everything the posting asks for.
STUFFED_RECRUITER = """Ferris Calloway
Austin, TX | ferris.c@example.org

SUMMARY
IT Recruiter with 7 years of experience hiring Java developers. Strong knowledge of Java,
Spring Boot, Hibernate, REST APIs, Docker, PostgreSQL and Kafka.

EXPERIENCE
IT Recruiter
Brightpath Staffing | Mar 2019 - Present
• Placed 40 Java developers with Spring Boot, Hibernate and Docker experience
• Screened candidates on PostgreSQL and Kafka before client interviews

Recruitment Consultant (IT)
Talentry Group | Jan 2017 - Feb 2019
• Managed the full hiring process for software clients

SKILLS
Recruitment, Sourcing, Interviewing, Java, Spring Boot, Hibernate, REST APIs, Docker,
PostgreSQL, Kafka, Maven

KEYWORDS
Java developer, Java, Spring Boot, Hibernate, REST APIs, Docker, PostgreSQL, Kafka
"""


def _profile(text: str) -> dict[str, Any]:
    return parse_cv(text, today=TODAY).to_dict()


def test_keyword_stuffed_cv_without_matching_experience_does_not_top_the_list() -> None:
    posting = resolve_posting(**JAVA_POSTING)
    developer, recruiter = _profile(ALIAS_DEVELOPER), _profile(STUFFED_RECRUITER)
    others = [_profile(make_cv_text(job)) for job in ("nurse", "lawyer", "software engineer")]
    results = score_pool(posting, [recruiter, developer, *others])
    assert results[1]["score"] > results[0]["score"]
    # The recruiter names more of the posting's skills, yet gets less credit for them.
    assert len(results[0]["matched_skills"]) > len(results[1]["matched_skills"])
    credit = {name: r["breakdown"]["required_skills"]["score"] for name, r in
              zip(("recruiter", "developer"), results, strict=False)}  # fmt: skip
    assert credit["developer"] > credit["recruiter"]


def _java_cv(title: str, bullet: str, skills: str) -> str:
    return (f"Rowan Pike\nrowan@example.org\n\nEXPERIENCE\n{title}\nAcme Ltd | Jan 2018 - "
            f"Present\n• {bullet}\n\nSKILLS\n{skills}\n")  # fmt: skip


def test_skill_used_in_a_related_job_counts_more_than_mentioned_or_listed() -> None:
    posting = resolve_posting(title="Java Developer", description="", required_skills=["Java"])
    used_as_developer = _java_cv("Java Developer", "Built payment services in Java", "Teamwork")
    mentioned_elsewhere = _java_cv("Account Manager", "Sold Java training courses", "Teamwork")
    listed_only = _java_cv("Account Manager", "Looked after key accounts", "Java, Teamwork")
    profiles = [_profile(t) for t in (used_as_developer, mentioned_elsewhere, listed_only)]
    scores = [r["breakdown"]["required_skills"]["score"] for r in score_pool(posting, profiles)]
    assert scores[0] > scores[1] > scores[2] > 0


def test_listed_skill_counts_as_used_for_someone_in_the_role() -> None:
    posting = resolve_posting(title="Java Developer", description="", required_skills=["Java"])
    developer = _java_cv("Java Developer", "Looked after the ledger", "Java, Teamwork")
    manager = _java_cv("Account Manager", "Looked after key accounts", "Java, Teamwork")
    scores = [r["breakdown"]["required_skills"]["score"]
              for r in score_pool(posting, [_profile(developer), _profile(manager)])]  # fmt: skip
    assert scores[0] > scores[1]


def test_skill_evidence_names_the_jobs_it_was_used_in() -> None:
    profile = _profile(TERSE_DEVELOPER.replace("small deployable services", "Kafka services"))
    rows = {row["skill"]: row for row in profile["skill_evidence"]}
    assert rows["Kafka"]["jobs"] == [1]
    assert profile["experience"][1]["title"] == "Java Developer"
    assert rows["Java"]["jobs"] == [0, 1]  # job 1's title line names Java too
    assert rows["Spring Boot"]["jobs"] == []


def test_years_in_unrelated_jobs_count_less_towards_the_minimum() -> None:
    posting = resolve_posting(title="Java Developer", description="5+ years of Java.")
    text = ("Ash Vale\nash@example.org\n\nEXPERIENCE\n{title}\nAcme Ltd | Jan 2018 - Dec 2023\n"
            "• Day to day work\n")  # fmt: skip
    related = _profile(text.format(title="Java Developer"))
    unrelated = _profile(text.format(title="Store Supervisor"))
    fits = [r["breakdown"]["experience_fit"]["score"]
            for r in score_pool(posting, [related, unrelated])]  # fmt: skip
    assert fits[0] == 1.0
    assert 0 < fits[1] < 0.5


def test_title_similarity_reads_the_role_noun_and_drops_qualifiers() -> None:
    posting = "Registered Nurse - Surgical Ward"
    assert title_similarity(posting, ["Staff Nurse"]) == 1.0
    assert title_similarity(posting, ["Clinical Nurse Educator"]) < 0.5
    assert title_head("Corporate Associate (Lawyer)") == "lawyer"
    assert title_head("Software Engineer (Java)") == "engineer"
    assert title_similarity("QA Automation Engineer", ["Test Engineer"]) == 1.0
    assert title_similarity("Financial Analyst", ["Finance Analyst"]) == 1.0
    # Two generic head nouns do not make a different role; a specific one against one does.
    assert title_similarity("Digital Marketing Specialist", ["Marketing Executive"]) > 0.3
    assert title_similarity("Financial Analyst", ["Recruitment Consultant (Finance)"]) < 0.5


def test_the_current_title_counts_more_than_an_old_one() -> None:
    current = title_similarity("Java Developer", ["Java Developer", "Barista"])
    old = title_similarity("Java Developer", ["Barista", "Java Developer"])
    assert current == 1.0 and old < current


PYTHON_POSTING: dict[str, Any] = {
    "title": "Python Backend Developer",
    "description": "Requirements:\n- 5+ years of backend development\n- Python, Django, PostgreSQL",
}
CHEF = """Marco Bellini
marco@example.com

EXPERIENCE
Head Chef
Trattoria Roma | Jan 2012 - Present
• Ran a kitchen of twelve, planned menus and costed dishes

Sous Chef
Hotel Lido | Jan 2008 - Dec 2011
• Prepared sauces and pasta for 300 covers a night

SKILLS
Menu planning, Food safety, Python
"""


def test_years_in_another_field_do_not_meet_the_minimum() -> None:
    posting = resolve_posting(**PYTHON_POSTING)
    chef = score_pool(posting, [_profile(CHEF)])[0]["breakdown"]
    developer = score_pool(posting, [_profile(make_cv_text("software engineer", years=6))])[0]
    assert chef["experience_fit"]["score"] < 0.5
    assert developer["breakdown"]["experience_fit"]["score"] == 1.0
    assert chef["occupation_match"]["score"] < 0.2
    assert "Chefs and Head Cooks" in chef["occupation_match"]["evidence"]


def test_a_part_without_evidence_is_left_out_not_counted_as_missing() -> None:
    posting = resolve_posting(**PYTHON_POSTING)
    bare = _profile("Kim Doe\nkim@example.com\n\nSKILLS\nPython, Django, PostgreSQL\n")
    result = score_pool(posting, [bare])[0]
    parts = result["breakdown"]
    assert parts["title_similarity"]["weight"] == 0
    assert parts["occupation_match"]["weight"] == 0
    note = parts["occupation_match"]["evidence"]
    assert note == "no role titles found; ranked on text and skills"
    assert parts["experience_fit"]["weight"] == 0
    assert abs(sum(p["weight"] for p in parts.values()) - 1.0) < 1e-3
    assert result["score"] == round(sum(p["points"] for p in parts.values()), 1)


def test_every_part_names_its_evidence_including_the_occupation() -> None:
    posting = resolve_posting(**PYTHON_POSTING)
    result = score_pool(posting, [_profile(make_cv_text("software engineer", years=6))])[0]
    notes = {name: part["evidence"] for name, part in result["breakdown"].items()}
    assert all(notes.values())
    assert "Software Developers" in notes["occupation_match"]
    assert "relevant years" in notes["experience_fit"]


def test_same_files_give_the_same_order_in_any_order() -> None:
    posting = resolve_posting(**PYTHON_POSTING)
    pool = [_profile(make_cv_text(o, years=4)) for o in ("software engineer", "nurse", "lawyer")]
    forward = [r["score"] for r in score_pool(posting, pool)]
    backward = [r["score"] for r in score_pool(posting, pool[::-1])][::-1]
    assert forward == backward
