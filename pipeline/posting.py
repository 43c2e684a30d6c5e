"""Resolve a job posting into the spec the scorer uses."""

from __future__ import annotations

import re
from typing import Any

from pipeline.components import DEFAULT_WEIGHTS
from pipeline.education import LEVEL_ORDER, find_degree
from pipeline.occupations import get_occupations
from pipeline.taxonomy import Taxonomy, get_taxonomy

_REQUIRED_HEAD_RE = re.compile(
    r"\b(?:requirements?|required|must[\s-]haves?|qualifications|what you(?:'ll)? need|"
    r"essential|you have|you bring|skills|key skills|who you are)\b", re.IGNORECASE,
)  # fmt: skip
_PREFERRED_HEAD_RE = re.compile(
    r"\b(?:nice[\s-]to[\s-]haves?|preferred|desirable|desired|bonus|a plus|"
    r"good to have|advantageous|would be great)\b",
    re.IGNORECASE,
)
_INLINE_REQUIRED_RE = re.compile(r"\b(?:required|must|essential|mandatory)\b", re.IGNORECASE)
_OTHER_HEAD_RE = re.compile(
    r"\b(?:about (?:us|the role|you)|responsibilities|what you(?:'ll)? do|the role|"
    r"benefits|we offer|perks|duties|about the company)\b",
    re.IGNORECASE,
)
_YEARS_RE = re.compile(r"(\d{1,2})\s*\+?\s*(?:-\s*\d+\s*)?(?:years?|yrs?)", re.IGNORECASE)


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= 60 and (stripped.endswith(":") or stripped.isupper()
                                    or len(stripped.split()) <= 5)  # fmt: skip


def _mode(line: str, current: str) -> str:
    if not _is_heading(line):
        return current
    if _PREFERRED_HEAD_RE.search(line):
        return "preferred"
    if _REQUIRED_HEAD_RE.search(line):
        return "required"
    if _OTHER_HEAD_RE.search(line):
        return "other"
    return current


def extract_skills(description: str, taxonomy: Taxonomy) -> tuple[list[str], list[str]]:
    """(required, preferred) canonical skills found in a posting description."""
    found: dict[str, list[str]] = {"required": [], "preferred": [], "other": []}
    mode = "other"
    for line in description.splitlines():
        mode = _mode(line, mode)
        line_mode = mode
        if not _is_heading(line):
            if _PREFERRED_HEAD_RE.search(line):
                line_mode = "preferred"
            elif _INLINE_REQUIRED_RE.search(line):
                line_mode = "required"
        for hit in taxonomy.find(line, skill_context=line_mode != "other"):
            if hit.skill not in found[line_mode]:
                found[line_mode].append(hit.skill)
    required = found["required"] or [s for s in found["other"] if s not in found["preferred"]]
    preferred = [s for s in found["preferred"] if s not in required]
    return required, preferred


def _canonical_list(names: list[str] | None, taxonomy: Taxonomy) -> list[str]:
    out: list[str] = []
    for name in names or []:
        canon = taxonomy.canonical(name) or name.strip()
        if canon and canon not in out:
            out.append(canon)
    return out


def _education_level(text: str) -> str | None:
    for line in text.splitlines():
        found = find_degree(line)
        if found and ("degree" in line.lower() or found[0] in {"master", "doctorate"}):
            return found[0]
    if re.search(r"\bdegree\b", text, re.IGNORECASE):
        return "bachelor"
    return None


def resolve_weights(spec: dict[str, Any], weights: dict[str, float] | None) -> dict[str, float]:
    """Default weights, overridden, with absent components' weight shared out."""
    merged = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in (weights or {}).items()
                                    if k in DEFAULT_WEIGHTS}}  # fmt: skip
    absent = {
        "required_skills": not spec["required_skills"],
        "preferred_skills": not spec["preferred_skills"],
        "experience_fit": spec["min_years_experience"] is None,
        "education_fit": spec["education_level"] is None,
        "occupation_match": not spec.get("occupations"),
    }
    for key, missing in absent.items():
        if missing:
            merged[key] = 0.0
    total = sum(max(v, 0.0) for v in merged.values()) or 1.0
    return {key: round(max(value, 0.0) / total, 4) for key, value in merged.items()}


def resolve_posting(
    *,
    title: str,
    description: str,
    required_skills: list[str] | None = None,
    preferred_skills: list[str] | None = None,
    min_years_experience: float | None = None,
    education_level: str | None = None,
    location: str | None = None,
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A JSON-safe posting spec with canonical skills and resolved weights."""
    taxonomy = get_taxonomy()
    required = _canonical_list(required_skills, taxonomy)
    preferred = _canonical_list(preferred_skills, taxonomy)
    if required_skills is None and preferred_skills is None:
        required, preferred = extract_skills(description, taxonomy)
    if min_years_experience is None and (match := _YEARS_RE.search(description)):
        min_years_experience = float(match.group(1))
    if education_level is None:
        education_level = _education_level(description)
    if education_level is not None and education_level not in LEVEL_ORDER:
        raise ValueError(f"education_level must be one of {', '.join(LEVEL_ORDER)}")
    spec: dict[str, Any] = {
        "title": title,
        "description": description,
        "required_skills": required,
        "preferred_skills": [s for s in preferred if s not in required],
        "min_years_experience": min_years_experience,
        "education_level": education_level,
        "location": location,
    }
    spec["occupations"] = posting_occupations(title)
    spec["weights"] = resolve_weights(spec, weights)
    return spec


def posting_occupations(title: str) -> list[dict[str, Any]]:
    """The O*NET occupations a posting's title names, with how well the title matched."""
    data = get_occupations()
    exact = data.named(title)  # "Fine Artists, Including Painters, Sculptors, and ..."
    if exact is not None:
        return [{"code": data.codes[exact], "title": data.titles[exact], "coverage": 1.0}]
    match = data.match_title(title)
    if match is None:
        return []
    return [{"code": data.codes[i], "title": data.titles[i], "coverage": round(match.coverage, 3)}
            for i in match.occupations[:5]]  # fmt: skip
