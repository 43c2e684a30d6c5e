"""Skills with evidence: the line that mentions them, years and when last used."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from pipeline.contact import strip_contact
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
#: a skill found on a line: (canonical name, start, end) in the line's searched text
Hit = tuple[str, int, int]


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


def _hits_by_line(
    lines: list[LineInfo], taxonomy: Taxonomy
) -> list[tuple[LineInfo, str, list[Hit]]]:
    """Each line with a skill: the line, its text as searched, and its hits in that text.

    Lines are searched in runs that share a skill context, one taxonomy search per run
    (joined by newlines, which no name crosses), instead of one search per line.
    """
    found: list[tuple[LineInfo, str, list[Hit]]] = []
    run: list[tuple[LineInfo, str]] = []

    def search(context: bool) -> None:
        joined = "\n".join(text for _, text in run)
        starts = [0]
        for _, text in run[:-1]:
            starts.append(starts[-1] + len(text) + 1)
        per_line: dict[int, list[Hit]] = {}
        for hit in taxonomy.find(joined, skill_context=context):
            index = bisect_right(starts, hit.start) - 1
            per_line.setdefault(index, []).append(
                (hit.skill, hit.start - starts[index], hit.end - starts[index])
            )
        found.extend((run[index][0], run[index][1], hits) for index, hits in per_line.items())
        run.clear()

    context = False
    for info in lines:
        if not info.text.strip():
            continue
        text = info.text
        if "/" in text or "@" in text or "www" in text:
            text = strip_contact(text)
        this_context = info.section in SKILL_CONTEXT_SECTIONS
        if run and this_context != context:
            search(context)
        context = this_context
        run.append((info, text))
    if run:
        search(context)
    return found


def collect_skills(
    lines: list[LineInfo], taxonomy: Taxonomy
) -> tuple[list[str], list[dict[str, Any]]]:
    """Canonical skills in order of first mention, and one evidence row per skill."""
    best: dict[str, dict[str, Any]] = {}
    rank: dict[str, int] = {}
    order: list[str] = []
    for info, text, hits in _hits_by_line(lines, taxonomy):
        # a skill's years sit beside it ("Python (5 years)", "3 yrs of Java")
        lowered = text.lower()
        has_years = "year" in lowered or "yr" in lowered
        for skill, start, end in hits:
            years = _years_near(text, start, end) if has_years else None
            this_rank = _EVIDENCE_RANK.get(info.section, 3)
            if skill not in best:
                order.append(skill)
            elif this_rank >= rank[skill]:
                row = best[skill]
                if years is not None and row["years"] is None:
                    row["years"] = years
                _update_last_used(row, info.job_end_year)
                _add_job(row, info.job)
                continue
            previous = best.get(skill)
            best[skill] = {
                "skill": skill,
                "evidence": " ".join(info.text.split())[:200],
                "years": years if years is not None else (previous or {}).get("years"),
                "last_used": info.job_end_year,
                "jobs": [] if previous is None else previous["jobs"],
            }
            _add_job(best[skill], info.job)
            if previous is not None:
                _update_last_used(best[skill], previous["last_used"])
            rank[skill] = this_rank
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
