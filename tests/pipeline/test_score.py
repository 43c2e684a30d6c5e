from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pipeline.components import COMPONENTS
from pipeline.parse import parse_cv
from pipeline.score import resolve_posting, score_one, score_pool
from tests.pipeline.fixtures import make_cv_text

TODAY = date(2024, 6, 1)
NURSE_POSTING: dict[str, Any] = {
    "title": "Registered Nurse",
    "description": (
        "Our hospital is hiring a Registered Nurse for the surgical ward.\n"
        "Requirements:\n- Medication administration and wound care\n- BLS\n"
        "- 3+ years of experience\nNice to have:\n- Triage\n"
        "A Bachelor's degree in Nursing is required."
    ),
}


def _profile(text: str) -> dict[str, Any]:
    return parse_cv(text, today=TODAY).to_dict()


def test_resolve_posting_splits_required_and_preferred() -> None:
    posting = resolve_posting(**NURSE_POSTING)
    assert posting["required_skills"] == [
        "Medication Administration",
        "Wound Care",
        "BLS",
        "Nursing",
    ]
    assert posting["preferred_skills"] == ["Emergency Care"]
    assert posting["min_years_experience"] == 3.0
    assert posting["education_level"] == "bachelor"
    assert abs(sum(posting["weights"].values()) - 1.0) < 1e-3


def test_weights_for_a_posting_without_skills() -> None:
    posting = resolve_posting(title="Office Helper", description="Friendly person wanted.")
    weights = posting["weights"]
    assert posting["required_skills"] == [] and posting["preferred_skills"] == []
    assert weights["required_skills"] == 0 and weights["preferred_skills"] == 0
    assert weights["text_relevance"] > 0 and weights["title_similarity"] > 0
    assert abs(sum(weights.values()) - 1.0) < 1e-3


def test_given_skills_are_canonicalised() -> None:
    posting = resolve_posting(title="Dev", description="", required_skills=["k8s", "Postgres"],
                              preferred_skills=["ReactJS"])  # fmt: skip
    assert posting["required_skills"] == ["Kubernetes", "PostgreSQL"]
    assert posting["preferred_skills"] == ["React"]


def test_matching_cv_outranks_non_matching() -> None:
    posting = resolve_posting(**NURSE_POSTING)
    nurse = _profile(make_cv_text("nurse", years=6))
    lawyer = _profile(make_cv_text("lawyer", years=6))
    developer = _profile(make_cv_text("software engineer", years=6))
    scores = [r["score"] for r in score_pool(posting, [lawyer, nurse, developer])]
    assert scores[1] > scores[0] and scores[1] > scores[2]
    result = score_one(posting, nurse)
    assert {m["skill"] for m in result["matched_skills"]} >= {"Wound Care", "BLS"}
    assert all(m["evidence"] for m in result["matched_skills"])
    assert list(result["breakdown"]) == list(COMPONENTS)
    assert all(part["evidence"] for part in result["breakdown"].values())
    assert result["score"] == round(sum(c["points"] for c in result["breakdown"].values()), 1)


def test_synonyms_count() -> None:
    posting = resolve_posting(title="Platform Engineer", description="",
                              required_skills=["Kubernetes", "PostgreSQL"])  # fmt: skip
    cv = make_cv_text("software engineer", skills=["k8s", "Postgres", "Python"])
    result = score_one(posting, _profile(cv))
    assert result["missing_skills"] == []
    assert result["breakdown"]["required_skills"]["score"] > 0.5


def test_keyword_stuffing_does_not_top() -> None:
    posting = resolve_posting(**NURSE_POSTING)
    stuffed = "Sam Lee\nSKILLS\n" + ", ".join(
        ["Registered Nurse", "Medication Administration", "Wound Care", "BLS", "Triage"] * 40
    )
    real = make_cv_text("nurse", years=5)
    scores = score_pool(posting, [_profile(stuffed), _profile(real)])
    assert scores[1]["score"] > scores[0]["score"]


def _fair_variant(name: str, personal: list[str], pronoun: str) -> str:
    text = make_cv_text("nurse", years=6, name=name, personal=personal)
    return text.replace("PROFESSIONAL SUMMARY\n", f"PROFESSIONAL SUMMARY\n{pronoun} is a nurse. ")


@pytest.mark.parametrize(
    ("name", "personal", "pronoun"),
    [
        ("John Smith", ["Gender: Male", "Date of Birth: 01/01/1960", "Age: 64"], "He"),
        ("Aisha Rahman", ["Gender: Female", "Date of Birth: 01/01/1999", "Age: 25"], "She"),
        ("Wei Zhang", ["Marital Status: Married", "Nationality: Chinese"], "They"),
        ("Maria Garcia", ["Marital Status: Single", "Religion: Catholic", "Photo: yes"], "She"),
    ],
)
def test_protected_attributes_do_not_change_the_score(
    name: str, personal: list[str], pronoun: str
) -> None:
    posting = resolve_posting(**NURSE_POSTING)
    baseline = _profile(_fair_variant("Alex Morgan", [], "Alex"))
    variant = _profile(_fair_variant(name, personal, pronoun))
    variant["protected"]["has_photo"] = True
    other = _profile(make_cv_text("lawyer"))
    base_scores = score_pool(posting, [baseline, other])
    variant_scores = score_pool(posting, [variant, other])
    assert variant_scores[0]["score"] == base_scores[0]["score"]
    assert variant_scores[0]["breakdown"] == base_scores[0]["breakdown"]


def test_pool_of_5000_is_scored_in_one_call() -> None:
    posting = resolve_posting(**NURSE_POSTING)
    profile = _profile(make_cv_text("nurse"))
    results = score_pool(posting, [profile] * 5000)
    assert len(results) == 5000
    assert len({r["score"] for r in results}) == 1


def test_contact_details_and_address_do_not_change_the_score() -> None:
    posting = resolve_posting(**NURSE_POSTING)
    base = make_cv_text("nurse", years=6, name="Alex Morgan", email="alex.morgan@example.org",
                        phone="+44 7700 900123", location="Leeds, United Kingdom",
                        links=["https://www.linkedin.com/in/alex-morgan"])  # fmt: skip
    other = make_cv_text("nurse", years=6, name="Chidi Okafor", email="c.okafor@mailbox.ng",
                         phone="+234 803 555 0199", location="Lagos, Nigeria",
                         links=["https://github.com/chidi-okafor-rn"])  # fmt: skip
    pool = [_profile(make_cv_text("lawyer"))]
    first = score_pool(posting, [_profile(base), *pool])[0]
    second = score_pool(posting, [_profile(other), *pool])[0]
    assert (first["score"], first["breakdown"]) == (second["score"], second["breakdown"])
