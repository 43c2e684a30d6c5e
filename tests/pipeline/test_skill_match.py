"""Posting skills against CV skills: specificity, name families, phrases, long lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.parse import parse_cv
from pipeline.score import resolve_posting, score_pool
from pipeline.skill_match import Credit, SkillIndex, breadth, informativeness, skill_credits
from pipeline.taxonomy import get_taxonomy

TODAY = date(2024, 6, 1)


def _profile(skills_line: str, extra: str = "") -> dict[str, Any]:
    text = f"Kim Doe\nkim@example.com\n\nSKILLS\n{skills_line}\n{extra}"
    return parse_cv(text, today=TODAY).to_dict()


def _index(profile: dict[str, Any]) -> SkillIndex:
    return SkillIndex(skill_credits(profile, []), profile["text_terms"])


def test_office_tools_are_less_specific_than_specialist_tools() -> None:
    taxonomy = get_taxonomy()
    assert breadth("Excel", taxonomy) < breadth("Java", taxonomy) < breadth("Selenium", taxonomy)
    assert informativeness(["Excel", "Microsoft Word", "PowerPoint"]) < 0.6
    assert informativeness(["Selenium", "Jenkins CI", "Docker"]) == 1.0


def test_a_specific_skill_outweighs_a_common_one() -> None:
    posting = resolve_posting(title="QA Engineer", description="Testing role",
                              required_skills=["Excel", "Selenium"])  # fmt: skip
    office, tester = _profile("Excel, Outlook"), _profile("Selenium, TestNG")
    scores = score_pool(posting, [office, tester])
    assert (
        scores[1]["breakdown"]["required_skills"]["score"]
        > (scores[0]["breakdown"]["required_skills"]["score"])
    )


def test_variants_and_parents_match_at_a_little_less() -> None:
    index = _index(_profile("Oracle Database, Spring Boot"))
    variant = index.find("Spring", known=True)
    assert variant is not None and variant.how.startswith("variant")
    assert variant.value < index.credits["spring boot"].value
    assert index.find("Oracle Database", known=True) == index.credits["oracle database"]
    assert index.find("Kubernetes", known=True) is None


def test_a_skill_the_taxonomy_lacks_matches_as_a_phrase() -> None:
    profile = _profile("Communication", extra="SUMMARY\nHandled tenancy disputes in rent courts.\n")
    assert get_taxonomy().canonical("Tenancy disputes") is None
    assert _index(profile).find("Probate disputes", known=False) is None
    phrase = _index(profile).find("Tenancy disputes", known=False)
    assert phrase is not None and phrase.how == "phrase in the CV's text"
    assert phrase.value < 0.5


def test_a_long_keyword_list_earns_less_per_listed_skill() -> None:
    short = skill_credits(_profile("Java, Python"), [])
    many = ", ".join(["Java", "Python"] + [f"Tool{i}" for i in range(80)])
    long = skill_credits(_profile(many), [])
    assert long["java"].value < short["java"].value


def test_matched_skill_says_how_it_matched() -> None:
    posting = resolve_posting(title="Developer", description="", required_skills=["Spring"])
    result = score_pool(posting, [_profile("Spring Boot, Java")])[0]
    assert result["matched_skills"][0]["skill"] == "Spring"
    assert result["matched_skills"][0]["match"].startswith("variant")


def test_credit_is_a_value_with_its_evidence() -> None:
    credit = Credit(0.5, "SKILLS: Java", "exact")
    assert credit.value == 0.5 and credit.evidence == "SKILLS: Java"
