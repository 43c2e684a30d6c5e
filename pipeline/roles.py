"""Roles a CV states, and the occupations they name.

Dated experience entries give job titles (`pipeline.experience`). Many CVs also state a
role without dates: a headline under the name ("Senior Java Developer"), a title line
above a job description, "Role: ABAP Developer" inside a project. Such a line counts
when it is short, is not a sentence, and reads as an O*NET title ending in a role noun
(`pipeline.occupations`), so layout words ("Company - X", "Description - ...") and
lists of skills never become titles.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.education import find_degree, looks_like_institution
from pipeline.experience import COMPANY_WORDS
from pipeline.occupations import Occupations, get_occupations
from pipeline.sections import Section

#: Sections whose lines are never role titles (a certificate names a role it is not).
_SKIP_SECTIONS = frozenset(
    {"skills", "certifications", "languages", "interests", "references", "awards", "personal"}
)
_LABEL_RE = re.compile(
    r"^(?:current\s+)?(?:role|designation|position|job\s+title|title|working\s+as|post)"
    r"\s*(?::|-|\u2013|\bas\b)\s*(?P<value>.+)$",
    re.IGNORECASE,
)
# Where a title line goes on to name an employer or a place.
_TAIL_RE = re.compile(r"\s+(?:-|\u2013|\u2014|\||@|at)\s+.*$|\s*,.*$", re.IGNORECASE)
_DECOR = " \t•*-\u2013\u2014|·▪►❖:>"
#: Words of a CV's layout: a line made of these alone is a label, never a role.
LAYOUT_WORDS = frozenset(
    """company companies description details detail project projects client clients
    environment duration team size role roles responsibilities responsibility technologies
    technology tools location organization organisation employer designation position title
    summary objective profile period date place domain module modules platform contribution
    highlights achievements""".split()
)
_PAST_VERB_RE = re.compile(r"^[A-Za-z]{3,}ed\b")
_ASCII_ALNUM_RE = re.compile(r"[A-Za-z0-9]")
_JOIN_RE = re.compile(r"\s+(?:and|&)\s+|\s*/\s*", re.IGNORECASE)
MAX_WORDS = 7
MAX_ROLE_TITLES = 8
#: a title line must be explained this much by an O*NET title (see TitleMatch.coverage)
MIN_COVERAGE = 0.3
#: how much each kind of evidence counts towards the CV's occupations
HEADLINE_WEIGHT = 1.0
ROLE_LINE_WEIGHT = 0.5
JOB_WEIGHTS = (1.0, 0.6, 0.5, 0.4)
MAX_OCCUPATIONS = 5


def _title_part(line: str) -> tuple[str, bool] | None:
    """The part of a line that may be a role title, and whether it is the whole line."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80 or not _ASCII_ALNUM_RE.search(stripped.split()[0]):
        return None  # empty, long, or a list item behind a bullet, mangled or not ("'¢ ...")
    text = stripped.strip(_DECOR)
    labelled = _LABEL_RE.match(text)
    if labelled:
        text = labelled.group("value").strip(_DECOR)
    cut = _TAIL_RE.sub("", text)
    whole = cut == text and not labelled
    text = cut.replace("(", " ").replace(")", " ").strip(_DECOR)
    words = text.split()
    if not 1 <= len(words) <= MAX_WORDS or text.endswith(".") or sum(c.isdigit() for c in text) > 1:
        return None
    lowered = text.lower()
    if "@" in text or "www" in lowered or ":" in text or "experience" in lowered:
        return None
    if set(lowered.split()) <= LAYOUT_WORDS or _PAST_VERB_RE.match(text):
        return None  # "Company", "Project Details"; "Organized weekly training"
    if lowered.split()[-1].strip(".,") in COMPANY_WORDS:
        return None  # "Northwind Technologies", "Acme Pvt Ltd"
    return text, whole


#: An O*NET title explains a role line this well, and a name ("John Baker") far less.
ROLE_LINE_COVERAGE = 0.8


def reads_as_role(line: str) -> bool:
    """Whether a whole line is a role title ("Data Science", "Java Developer"), which is
    never the candidate's name even where it sits."""
    text = line.strip(_DECOR)
    if not text or len(text.split()) > MAX_WORDS:
        return False
    match = get_occupations().match_title(text)
    return match is not None and match.coverage >= ROLE_LINE_COVERAGE


def is_layout_title(title: str) -> bool:
    """Whether a parsed title is only layout words ("Company", "Description")."""
    return set(title.lower().replace("-", " ").split()) <= LAYOUT_WORDS


def _schooling(text: str) -> bool:
    """A degree or a school, not a role: "B.Tech Computer Science", "Institute of
    Technology" (checked after the title reading, which rules out most lines sooner)."""
    return find_degree(text) is not None or looks_like_institution(text)


def _standalone(lines: list[str], index: int) -> bool:
    before = lines[index - 1].strip() if index > 0 else ""
    after = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return not before or not after


def find_role_titles(
    sections: list[Section], name: str | None = None, occupations: Occupations | None = None
) -> list[str]:
    """Role titles stated outside dated entries, in reading order (the first is the
    headline). The candidate's name line is never one ("John Baker")."""
    occupations = occupations or get_occupations()
    skip = (name or "").strip().lower()
    found: list[str] = []
    seen: set[str] = set()
    for section in sections:
        if section.name in _SKIP_SECTIONS:
            continue
        for index, line in enumerate(section.lines):
            found_part = _title_part(line)
            if found_part is None:
                continue
            part, whole = found_part
            if part.lower() == skip or part.lower() in seen:
                continue
            match = occupations.match_title(part)
            if match is None or match.coverage < MIN_COVERAGE or _schooling(part):
                continue
            alone = whole and _standalone(section.lines, index)
            if (match.field_only or part[0].islower()) and not alone:
                continue  # "HR" on a line of its own, not "Recruiting" in a list or the
                # lower-case end of a wrapped sentence
            seen.add(part.lower())
            found.append(part)
            if len(found) == MAX_ROLE_TITLES:
                return found
    return found


def split_roles(title: str, occupations: Occupations | None = None) -> list[str]:
    """A title naming two roles, each with its role noun, as two titles: "Web Designer
    and Developer", "Systems Engineer/Hadoop Developer". Other titles stay whole."""
    occupations = occupations or get_occupations()
    parts = [p.strip() for p in _JOIN_RE.split(title) if p.strip()]
    if len(parts) < 2:
        return [title]
    matches = [occupations.match_title(p) for p in parts]
    if len(parts[0].split()) >= 2 and all(m is not None and not m.field_only for m in matches):
        return parts  # not "Research and Development Engineer"
    return [title]


def infer_occupations(
    role_titles: list[str], job_titles: list[str], occupations: Occupations | None = None
) -> list[dict[str, Any]]:
    """The CV's likeliest O*NET occupations, best first: code, title, `score` (the
    evidence for it: title weight x how well the title matched, shared among the
    occupations a title names) and `from` (the title that names it best).

    `job_titles` are the dated jobs' titles, most recent first.
    """
    occupations = occupations or get_occupations()
    weighted = [(t, HEADLINE_WEIGHT if i == 0 else ROLE_LINE_WEIGHT)
                for i, t in enumerate(role_titles)]  # fmt: skip
    jobs = [t for t in job_titles if not is_layout_title(t)]
    weighted += [(t, JOB_WEIGHTS[min(i, len(JOB_WEIGHTS) - 1)]) for i, t in enumerate(jobs)]
    scores: dict[int, float] = {}
    source: dict[int, tuple[float, str]] = {}
    readings = [(part, weight) for title, weight in weighted
                for part in split_roles(title, occupations)]  # fmt: skip
    for title, weight in readings:
        match = occupations.match_title(title)
        if match is None or match.coverage < MIN_COVERAGE:
            continue
        for index, part in match.shares(occupations):
            share = weight * match.coverage * part
            scores[index] = scores.get(index, 0.0) + share
            if share > source.get(index, (0.0, ""))[0]:
                source[index] = (share, title)
    # rounded before sorting, so float noise never reorders equal evidence
    best = sorted(scores, key=lambda i: (-round(scores[i], 6), occupations.codes[i]))
    best = best[:MAX_OCCUPATIONS]
    return [
        {
            "code": occupations.codes[i],
            "title": occupations.titles[i],
            "score": round(scores[i], 3),
            "from": source[i][1],
        }
        for i in best
    ]
