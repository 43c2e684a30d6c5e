"""Score CV profiles against a posting.

The score (0-100) mixes the parts named in `pipeline.components`, each 0-1, by weights
that depend on their evidence: a part that could not be read for a CV (no role titles,
no dates, no education found) is left out for that CV and the others share its weight,
instead of counting as the candidate lacking it. Every part says what it rests on.

The score uses skills (with evidence), text relevance, role titles, the occupations
they name, years in such roles and education level. It never uses the name, gender,
age or date of birth, photo, marital status, nationality or religion: those are parsed
into `protected` for audit only and removed from the text used for relevance.

Specificity weights and text relevance are fitted on the pool being ranked, so a
file's score is final only once its pool is complete (the live score is provisional).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pipeline.components import COMPONENTS
from pipeline.education import LEVEL_ORDER
from pipeline.posting import resolve_posting
from pipeline.relevance import cosine_scores, text_terms
from pipeline.role_match import (
    cv_titles,
    occupation_match,
    related_jobs,
    relevant_years,
)
from pipeline.skill_match import (
    SkillIndex,
    breadth,
    informativeness,
    skill_credits,
    skill_weights,
    skills_score,
)
from pipeline.taxonomy import get_taxonomy
from pipeline.titles import title_similarity, title_tokens

__all__ = ["resolve_posting", "score_one", "score_pool"]

#: Text relevance and skills are read against the best of the pool, so that each part
#: spreads the pool over the same 0-1 range; a pool whose best is below these floors
#: (a small pool, a posting few CVs meet) is read against the floor instead.
TEXT_FLOOR = 0.15
SKILLS_FLOOR = 0.3
#: Breadth from which a posting skill's words join the text the CV is compared with.
SPECIFIC_BREADTH = 0.3
#: Skills found from which the skills parts are fully read.
FULL_SKILL_EVIDENCE = 3


def _query_terms(posting: dict[str, Any]) -> dict[str, int]:
    skills = (*posting.get("required_skills", []), *posting.get("preferred_skills", []))
    return _cached_query_terms(posting.get("title") or "", posting.get("description") or "", skills)


@lru_cache(maxsize=64)
def _cached_query_terms(title: str, description: str, skills: tuple[str, ...]) -> dict[str, int]:
    """Posting terms, cached: score_one runs once per CV against the same posting. The
    words of its specific skills count too, so a posting that names its skills only in
    the skill lists ("Oracle Java", "Spring Framework") still meets CVs in plain words;
    office tools that nearly every occupation uses (Excel, Word) would only add noise."""
    taxonomy = get_taxonomy()
    specific = [s for s in skills if breadth(s, taxonomy) >= SPECIFIC_BREADTH]
    return text_terms(f"{title}\n{title}\n{description}\n" + "\n".join(specific), skills)


def score_pool(posting: dict[str, Any], profiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score every profile against the posting; relevance and skill specificity are
    fitted on this pool."""
    if not profiles:
        return []
    docs = [p.get("text_terms") or {} for p in profiles]
    relevance = cosine_scores(_query_terms(posting), docs)
    related = [related_jobs(posting, p.get("experience") or []) for p in profiles]
    credits = [skill_credits(p, r) for p, r in zip(profiles, related, strict=True)]
    wanted = [*posting.get("required_skills", []), *posting.get("preferred_skills", [])]
    weights = skill_weights(wanted, credits)
    results = [
        _score(posting, profile, text, rel, SkillIndex(credit, doc), weights)
        for profile, text, rel, credit, doc in zip(
            profiles, relevance, related, credits, docs, strict=True
        )
    ]
    best = {
        "text_relevance": max(max(relevance), TEXT_FLOOR),
        "required_skills": max(max(r[1]["required_skills"][0] for r in results), SKILLS_FLOOR),
        "preferred_skills": max(max(r[1]["preferred_skills"][0] for r in results), SKILLS_FLOOR),
    }
    return [_combine(posting["weights"], _against_best(parts, best), *rest)
            for rest, parts in results]  # fmt: skip


def _against_best(
    parts: dict[str, tuple[float, float, str]], best: dict[str, float]
) -> dict[str, tuple[float, float, str]]:
    out = dict(parts)
    for name, top in best.items():
        value, evidence, note = parts[name]
        out[name] = (min(1.0, value / top), evidence, note)
    return out


def _score(
    posting: dict[str, Any],
    profile: dict[str, Any],
    relevance: float,
    related: list[bool],
    index: SkillIndex,
    skill_weight: dict[str, float],
) -> tuple[tuple[list[dict[str, str]], list[str]], dict[str, tuple[float, float, str]]]:
    """((matched, missing skills), parts by name: raw value, evidence 0-1, explanation)."""
    taxonomy = get_taxonomy()
    req, req_matched, missing = skills_score(
        posting.get("required_skills") or [], index, skill_weight, taxonomy
    )
    pref, pref_matched, _ = skills_score(
        posting.get("preferred_skills") or [], index, skill_weight, taxonomy
    )
    found = min(1.0, len(profile.get("skills") or []) / FULL_SKILL_EVIDENCE)
    occupation, occupation_evidence, occupation_note = occupation_match(posting, profile)
    titles = cv_titles(profile)
    years, years_note = relevant_years(
        profile, related, occupation if occupation_evidence > 0 else None
    )
    parts: dict[str, tuple[float, float, str]] = {
        "required_skills": _skills_part(req, req_matched, posting.get("required_skills"), found),
        "preferred_skills": _skills_part(pref, pref_matched, posting.get("preferred_skills"),
                                         found),
        "text_relevance": (relevance, 1.0,
                           f"text similarity {relevance:.2f} with the posting (pool-fitted)"),
        "title_similarity": _title_part(posting.get("title") or "", titles),
        "occupation_match": (occupation, occupation_evidence, occupation_note),
        "experience_fit": _experience_part(posting.get("min_years_experience"), years,
                                           years_note),
        "education_fit": _education_part(posting.get("education_level"),
                                         profile.get("education") or []),
    }  # fmt: skip
    return (req_matched + pref_matched, missing), parts


def _skills_part(
    value: float, matched: list[dict[str, str]], wanted: list[str] | None, found: float
) -> tuple[float, float, str]:
    if not wanted:
        return 0.0, 0.0, "the posting lists none"
    if found == 0:
        return value, 0.0, "no skills found in the CV"
    note = f"{len(matched)} of {len(wanted)}, weighted by specificity and evidence"
    telling = _informativeness(tuple(wanted))
    if telling < 1.0:
        note += "; the posted skills are common to many occupations, so they weigh less"
    return value, found * telling, note


@lru_cache(maxsize=256)
def _informativeness(wanted: tuple[str, ...]) -> float:
    return informativeness(list(wanted))


def _title_part(posting_title: str, titles: list[str]) -> tuple[float, float, str]:
    if not title_tokens(posting_title):
        return 0.0, 0.0, "the posting has no title"
    if not titles:
        return 0.0, 0.0, "no role titles found"
    value = title_similarity(posting_title, titles)
    return value, 1.0, f"best of: {'; '.join(titles[:3])}"


def _experience_part(
    min_years: float | None, years: float | None, note: str
) -> tuple[float, float, str]:
    if min_years is None:
        return 0.0, 0.0, "the posting sets no minimum"
    if years is None:
        return 0.0, 0.0, note
    fit = 1.0 if min_years <= 0 else max(0.0, min(1.0, years / min_years))
    return fit, 1.0, f"{years:.1f} relevant years of {min_years:g} wanted ({note})"


def _education_part(level: str | None, education: list[dict[str, Any]]) -> tuple[float, float, str]:
    if level is None:
        return 0.0, 0.0, "the posting sets no level"
    have = [LEVEL_ORDER.index(e["level"]) for e in education if e.get("level") in LEVEL_ORDER]
    if not have:
        return 0.0, 0.0, "no degree found"
    gap = LEVEL_ORDER.index(level) - max(have)
    fit = 1.0 if gap <= 0 else (0.5 if gap == 1 else 0.0)
    return fit, 1.0, f"highest level {LEVEL_ORDER[max(have)]}, {level} wanted"


def _combine(
    weights: dict[str, float],
    parts: dict[str, tuple[float, float, str]],
    matched: list[dict[str, str]],
    missing: list[str],
) -> dict[str, Any]:
    """Weights scaled by each part's evidence, shared out to sum to 1, and the points."""
    effective = {name: weights.get(name, 0.0) * parts[name][1] for name in COMPONENTS}
    total = sum(effective.values())
    if total <= 0:  # nothing readable: fall back to the posting's own weights
        effective, total = dict(weights), sum(weights.values()) or 1.0
    breakdown: dict[str, dict[str, Any]] = {}
    score = 0.0
    for name in COMPONENTS:
        value, _, note = parts[name]
        weight = effective.get(name, 0.0) / total
        points = round(value * weight * 100, 2)
        score += points
        breakdown[name] = {"score": round(value, 3), "weight": round(weight, 4),
                           "points": points, "evidence": note}  # fmt: skip
    return {
        "score": round(min(100.0, max(0.0, score)), 1),
        "breakdown": breakdown,
        "matched_skills": matched,
        "missing_skills": missing,
    }


def score_one(posting: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """Score one profile (a pool of one): provisional until its pool is scored together."""
    return score_pool(posting, [profile])[0]
