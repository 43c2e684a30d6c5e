"""Skills with evidence: the line that mentions them, years and when last used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.contact import EMAIL_RE, URL_RE
from pipeline.taxonomy import Taxonomy

_YEARS_AFTER_RE = re.compile(
    r"^\s*[(:\-\u2013]\s*(?P<less>less than\s+)?(?P<n>\d+(?:\.\d+)?)?\+?\s*(?:years?|yrs?)",
    re.IGNORECASE,
)
_YEARS_BEFORE_RE = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\+?\s*(?:years?|yrs?)\s+(?:of\s+)?(?:\w+\s+){0,2}(?:experience\s+)?"
    r"(?:in|with|using|of)\s+$",
    re.IGNORECASE,
)
# Sections whose lines show a skill in use, best first.
_EVIDENCE_RANK = {"experience": 0, "projects": 1, "summary": 2, "header": 3, "skills": 4}
SKILL_CONTEXT_SECTIONS = frozenset({"skills"})
_ITEM_SPLIT_RE = re.compile(r"\s*(?:[,;|•·●▪►❖]|\s-\s|\band\b|/)\s*")
_ITEM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+#.&'\- ]{1,39}$")
_PAREN_RE = re.compile(r"\([^)]*\)")


@dataclass
class LineInfo:
    """One CV line with the section it sits in and, inside a job, its end year and index."""

    text: str
    section: str
    job_end_year: int | None
    job: int | None = None


def _years_near(text: str, start: int, end: int) -> float | None:
    after = _YEARS_AFTER_RE.match(text[end : end + 40])
    if after:
        if after.group("less"):
            return 0.5
        if after.group("n"):
            return float(after.group("n"))
    before = _YEARS_BEFORE_RE.search(text[max(0, start - 50) : start])
    if before:
        return float(before.group("n"))
    return None


def collect_skills(
    lines: list[LineInfo], taxonomy: Taxonomy
) -> tuple[list[str], list[dict[str, Any]]]:
    """Canonical skills in order of first mention, and one evidence row per skill."""
    best: dict[str, dict[str, Any]] = {}
    rank: dict[str, int] = {}
    order: list[str] = []
    for info in lines:
        if not info.text.strip():
            continue
        context = info.section in SKILL_CONTEXT_SECTIONS
        text = info.text
        if "/" in text or "www" in text or "@" in text or ".com" in text:
            text = EMAIL_RE.sub(" ", URL_RE.sub(" ", text))
        for hit in taxonomy.find(text, skill_context=context):
            years = _years_near(text, hit.start, hit.end)
            this_rank = _EVIDENCE_RANK.get(info.section, 3)
            if hit.skill not in best:
                order.append(hit.skill)
            elif this_rank >= rank[hit.skill]:
                row = best[hit.skill]
                if years is not None and row["years"] is None:
                    row["years"] = years
                _update_last_used(row, info.job_end_year)
                _add_job(row, info.job)
                continue
            previous = best.get(hit.skill)
            best[hit.skill] = {
                "skill": hit.skill,
                "evidence": " ".join(info.text.split())[:200],
                "years": years if years is not None else (previous or {}).get("years"),
                "last_used": info.job_end_year,
                "jobs": [] if previous is None else previous["jobs"],
            }
            _add_job(best[hit.skill], info.job)
            if previous is not None:
                _update_last_used(best[hit.skill], previous["last_used"])
            rank[hit.skill] = this_rank
    _add_listed_items(lines, taxonomy, best, order)
    return order, [best[name] for name in order]


def _add_listed_items(
    lines: list[LineInfo], taxonomy: Taxonomy, best: dict[str, dict[str, Any]], order: list[str]
) -> None:
    """Short list items in a skills section count as skills even when the taxonomy lacks them."""
    known = {name.lower() for name in order}
    for info in lines:
        if info.section not in SKILL_CONTEXT_SECTIONS:
            continue
        body = _PAREN_RE.sub("", info.text)
        body = body.split(":", 1)[1] if ":" in body[:40] else body
        for raw in _ITEM_SPLIT_RE.split(body):
            item = raw.strip(" .-*")
            if not _ITEM_RE.match(item) or len(item.split()) > 4 or item.lower() in known:
                continue
            name = taxonomy.canonical(item) or item
            if name.lower() in known:
                continue
            known.add(name.lower())
            order.append(name)
            best[name] = {
                "skill": name,
                "evidence": " ".join(info.text.split())[:200],
                "years": _years_near(info.text, info.text.find(raw), info.text.find(raw) + len(raw))
                if raw in info.text
                else None,
                "last_used": None,
                "jobs": [],
            }


def _update_last_used(row: dict[str, Any], year: int | None) -> None:
    if year is not None and (row["last_used"] is None or year > row["last_used"]):
        row["last_used"] = year


def _add_job(row: dict[str, Any], job: int | None) -> None:
    """Remember the experience entry (index into `experience`) a skill was seen in."""
    if job is not None and job not in row["jobs"]:
        row["jobs"].append(job)
