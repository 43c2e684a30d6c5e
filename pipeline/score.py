"""Score CV profiles against a posting.

The score uses skills (with evidence), text relevance, job titles, years of
experience and education level. It never uses the name, gender, age or date of
birth, photo, marital status, nationality or religion: those are parsed into
`protected` for audit only and removed from the text used for relevance.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from pipeline.education import LEVEL_ORDER
from pipeline.posting import resolve_posting
from pipeline.relevance import cosine_scores, text_terms
from pipeline.titles import title_similarity, title_tokens

__all__ = ["resolve_posting", "score_one", "score_pool"]

#: Credit for a posting skill by its evidence: used in a job like the posted one, used in
#: another dated job (or with stated years), or only listed (skills or keywords section).
#: A listed skill of a candidate who has worked in the posted kind of role counts as used.
ROLE_CREDIT = 1.0
USED_CREDIT = 0.6
LISTED_ONLY_CREDIT = 0.35
#: Title similarity from which a job counts as the posted kind of role.
RELATED_TITLE = 0.5
#: Share of a year in an unrelated job that counts towards the posting's minimum years.
UNRELATED_YEAR_CREDIT = 0.25
#: Cosine similarity treated as a perfect text match.
FULL_TEXT_MATCH = 0.45


def _related_jobs(posting_title: str, experience: list[dict[str, Any]]) -> list[bool]:
    """Which experience entries are the posted kind of role. Without a posting title or a
    parsed job title this cannot be told, and the job is given the benefit of the doubt."""
    if not title_tokens(posting_title):
        return [True] * len(experience)
    return [not title_tokens(job.get("title") or "")
            or title_similarity(posting_title, [job["title"]]) >= RELATED_TITLE
            for job in experience]  # fmt: skip


def _skill_credit(profile: dict[str, Any], related: list[bool]) -> dict[str, tuple[float, str]]:
    credit: dict[str, tuple[float, str]] = {}
    evidence = {row["skill"]: row for row in profile.get("skill_evidence") or []}
    for skill in profile.get("skills") or []:
        row = evidence.get(skill) or {}
        jobs = row.get("jobs")
        if jobs is None and row.get("last_used") is not None:
            value = ROLE_CREDIT  # a profile parsed before jobs were recorded per skill
        elif any(related[j] for j in jobs or [] if j < len(related)):
            value = ROLE_CREDIT
        elif jobs or row.get("last_used") is not None or row.get("years") is not None:
            value = USED_CREDIT
        elif any(related):
            value = USED_CREDIT
        else:
            value = LISTED_ONLY_CREDIT
        credit[skill.lower()] = (value, row.get("evidence") or "")
    return credit


def _skills_score(
    wanted: list[str], credit: dict[str, tuple[float, str]]
) -> tuple[float, list[dict[str, str]], list[str]]:
    if not wanted:
        return 0.0, [], []
    matched: list[dict[str, str]] = []
    missing: list[str] = []
    total = 0.0
    for skill in wanted:
        found = credit.get(skill.lower())
        if found is None:
            missing.append(skill)
            continue
        total += found[0]
        matched.append({"skill": skill, "evidence": found[1]})
    return total / len(wanted), matched, missing


def _experience_fit(min_years: float | None, years: float | None) -> float:
    if min_years is None:
        return 0.0
    if min_years <= 0:
        return 1.0
    return max(0.0, min(1.0, (years or 0.0) / min_years))


def _months(job: dict[str, Any], today: date) -> int:
    try:
        start = int(job["start"][:4]) * 12 + int(job["start"][5:7])
        end_text = job.get("end") or "present"
        end = (today.year * 12 + today.month if end_text == "present"
               else int(end_text[:4]) * 12 + int(end_text[5:7]))  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return 0
    return max(0, end - start + 1)


def _relevant_years(profile: dict[str, Any], related: list[bool]) -> float | None:
    """Years of experience, with time in unrelated jobs counted at a reduced rate."""
    years = profile.get("total_years_experience")
    months = [_months(job, date.today()) for job in profile.get("experience") or []]
    if years is None or not sum(months):
        return years
    share = sum(m for m, rel in zip(months, related, strict=True) if rel) / sum(months)
    return float(years) * (share + UNRELATED_YEAR_CREDIT * (1.0 - share))


def _education_fit(level: str | None, education: list[dict[str, Any]]) -> float:
    if level is None:
        return 0.0
    have = [LEVEL_ORDER.index(e["level"]) for e in education if e.get("level") in LEVEL_ORDER]
    if not have:
        return 0.3
    gap = LEVEL_ORDER.index(level) - max(have)
    return 1.0 if gap <= 0 else (0.5 if gap == 1 else 0.0)


def _recent_titles(profile: dict[str, Any]) -> list[str]:
    jobs = [j for j in profile.get("experience") or [] if j.get("title")]
    jobs.sort(key=lambda j: ("9999" if j.get("end") == "present" else j.get("end") or ""),
              reverse=True)  # fmt: skip
    return [j["title"] for j in jobs]


def _query_terms(posting: dict[str, Any]) -> dict[str, int]:
    skills = (*posting.get("required_skills", []), *posting.get("preferred_skills", []))
    return _cached_query_terms(posting.get("title") or "", posting.get("description") or "", skills)


@lru_cache(maxsize=64)
def _cached_query_terms(title: str, description: str, skills: tuple[str, ...]) -> dict[str, int]:
    """Posting terms, cached: score_one runs once per CV against the same posting."""
    return text_terms(f"{title}\n{title}\n{description}", skills)


def score_pool(posting: dict[str, Any], profiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score every profile against the posting; text relevance is fitted on this pool."""
    weights: dict[str, float] = posting["weights"]
    docs = [p.get("text_terms") or {} for p in profiles]
    relevance = cosine_scores(_query_terms(posting), docs) if profiles else []
    return [_score(posting, weights, p, r) for p, r in zip(profiles, relevance, strict=True)]


def _score(
    posting: dict[str, Any], weights: dict[str, float], profile: dict[str, Any], relevance: float
) -> dict[str, Any]:
    experience = profile.get("experience") or []
    related = _related_jobs(posting.get("title") or "", experience)
    credit = _skill_credit(profile, related)
    req, req_matched, missing = _skills_score(posting.get("required_skills") or [], credit)
    pref, pref_matched, _ = _skills_score(posting.get("preferred_skills") or [], credit)
    components = {
        "required_skills": req,
        "preferred_skills": pref,
        "text_relevance": min(1.0, relevance / FULL_TEXT_MATCH),
        "title_similarity": title_similarity(posting.get("title") or "", _recent_titles(profile)),
        "experience_fit": _experience_fit(
            posting.get("min_years_experience"), _relevant_years(profile, related)
        ),
        "education_fit": _education_fit(
            posting.get("education_level"), profile.get("education") or []
        ),
    }
    breakdown = {
        name: {
            "score": round(value, 3),
            "weight": weights.get(name, 0.0),
            "points": round(value * weights.get(name, 0.0) * 100, 2),
        }
        for name, value in components.items()
    }
    total = sum(value * weights.get(name, 0.0) for name, value in components.items()) * 100
    return {
        "score": round(min(100.0, max(0.0, total)), 1),
        "breakdown": breakdown,
        "matched_skills": req_matched + pref_matched,
        "missing_skills": missing,
    }


def score_one(posting: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """Score one profile (a pool of one)."""
    return score_pool(posting, [profile])[0]
