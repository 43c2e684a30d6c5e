"""Jobs: title, company and dates from the experience section."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.dates import DateRange, find_ranges

TITLE_WORDS = frozenset(
    """engineer developer manager analyst consultant associate intern lead head director
    officer specialist executive assistant nurse teacher trainer accountant lawyer attorney
    paralegal recruiter coordinator administrator designer architect tester representative
    advisor adviser supervisor technician scientist programmer president vp founder owner
    partner counsel solicitor barrister clerk auditor controller bookkeeper instructor coach
    therapist physician surveyor estimator foreman agent officer member expert professional
    operator editor writer producer planner buyer cashier receptionist secretary tutor
    lecturer professor researcher fellow apprentice trainee staff worker practitioner
    generalist partner educator""".split()
)
COMPANY_WORDS = frozenset(
    """ltd limited inc inc. llc llp corp corporation pvt private plc gmbh ag sa co company
    technologies technology solutions services systems group bank hospital clinic
    consulting consultancy labs software industries international enterprises partners
    associates infotech global holdings firm school university college gym studio
    agency foundation trust council institute""".split()
)
_SPLIT_RE = re.compile(r"\s+[-\u2013\u2014|@•·]\s+|\s*\|\s*|\s+at\s+|,\s+|\t|\s{3,}")
_BULLET_RE = re.compile(r"^\s*[•\-*▪►❖●o]\s")
_CLEAN_RE = re.compile(r"^[\s,;:|()\-\u2013\u2014]+|[\s,;:|()\-\u2013\u2014]+$")
_WORD_RE = re.compile(r"[a-z.]+")


@dataclass
class Job:
    title: str | None
    company: str | None
    dates: DateRange
    line: int  # index of the date line in the section
    section: int = 0  # index of the section among the CV's sections


def _score(text: str, words: frozenset[str]) -> int:
    return sum(word in words for word in _WORD_RE.findall(text.lower()))


def _candidates(lines: list[str], index: int, dates: DateRange) -> list[str]:
    line = lines[index]
    residual = line[: dates.span[0]] + " " + line[dates.span[1] :]
    parts = [_CLEAN_RE.sub("", p) for p in _SPLIT_RE.split(residual)]
    found = [p for p in parts if len(p) > 1 and not re.fullmatch(r"[\d\s.()/]+", p)]
    taken = 0
    for back in range(index - 1, max(index - 5, -1), -1):
        text = lines[back].strip()
        if not text:
            continue
        if _BULLET_RE.match(text) or len(text) > 90 or find_ranges(text) or text.endswith("."):
            break
        found = [_CLEAN_RE.sub("", text.split(" - ")[0] if text.endswith("-") else text), *found]
        taken += 1
        if taken == 2 or len(found) >= 3:
            break
    return [f for f in found if f][:4]


def _pick(candidates: list[str]) -> tuple[str | None, str | None]:
    if not candidates:
        return None, None
    pieces: list[str] = []
    for cand in candidates:
        pieces.extend(p for p in (_CLEAN_RE.sub("", x) for x in _SPLIT_RE.split(cand)) if p)
    title = max(pieces, key=lambda p: (_score(p, TITLE_WORDS), -pieces.index(p)))
    rest = [p for p in pieces if p != title]
    if _score(title, TITLE_WORDS) == 0:
        title = pieces[0]
        rest = pieces[1:]
    if not rest:
        return title[:120], None
    company = max(rest, key=lambda p: (_score(p, COMPANY_WORDS) - _score(p, TITLE_WORDS),
                                       -rest.index(p)))  # fmt: skip
    return title[:120], company[:120]


def parse_jobs(lines: list[str], section: int = 0) -> list[Job]:
    """Every date range in `lines` opens a job; its title and company sit beside or above."""
    jobs: list[Job] = []
    for index, line in enumerate(lines):
        for dates in find_ranges(line)[:1]:
            title, company = _pick(_candidates(lines, index, dates))
            jobs.append(Job(title, company, dates, index, section))
    return jobs
