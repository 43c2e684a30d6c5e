"""Degrees, institutions and graduation years."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pipeline.dates import YEAR_RE, find_ranges

LEVEL_ORDER = ("high_school", "diploma", "bachelor", "master", "doctorate")

_D = r"(?<![A-Za-z])"  # no letter before
_E = r"(?![A-Za-z])"  # no letter after
DEGREE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("doctorate", re.compile(
        rf"{_D}(?:Ph\.?\s?D\.?|D\.?Phil|Doctor(?:ate)?\s+(?:of|in)\s+\w+|Doctorate|Ed\.?D\.?"
        rf"|M\.?D\.?(?=\s+in|\s*,|\s*$)){_E}")),
    ("master", re.compile(
        rf"{_D}(?:Master'?s?\s+(?:of|in|degree)|Masters|Master's|M\.\s?Sc\.?|MSc|M\.\s?S\.|M\.\s?Tech\.?|MTech"
        rf"|M\.\s?E\.|M\.\s?Eng\.?|MEng|MBA|M\.B\.A\.?|MCA|M\.C\.A\.?|M\.\s?A\.|M\.\s?Com\.?|MCom"
        rf"|LL\.?M\.?|M\.?Phil\.?|PGDM|PGDBM|Diplom(?:-\w+)?|Post\s*-?\s*Graduat(?:e|ion)"
        rf"(?!\s+Diploma)|MS(?=\s+(?:in|of)\s)|MA(?=\s+(?:in|of)\s)|M\.?Ed\.?(?=\s)){_E}",
        re.IGNORECASE)),
    ("bachelor", re.compile(
        rf"{_D}(?:Bachelor'?s?(?:\s+(?:of|in|degree))?|B\.?\s?Sc\.?(?:\s*\(Hons?\.?\))?"
        rf"|B\.?\s?-?\s?Tech\.?|B\.\s?Eng\.?|BEng|B\.?C\.?A\.?|B\.?B\.?A\.?|BBM|B\.\s?Com\.?"
        rf"|BCom|LL\.?B\.?|MBBS|BDS|B\.?\s?Pharm\.?|BSN|B\.\s?Ed\.?|B\.?Arch|Licence|"
        rf"Licenciatura|Undergraduate\s+degree|Graduat(?:e|ion)\s+in){_E}", re.IGNORECASE)),
    ("bachelor", re.compile(
        rf"{_D}(?:B\.\s?S\.|B\.\s?A\.|B\.\s?E\.?|BS(?=\s+(?:in|of)\s)|BA(?=\s+(?:in|of|\(Hons)\s?)"
        rf"|B\.?\s?E(?=\s+(?:in|-)\s|\s*\(|\s*,)|BE(?=\s+[A-Z][a-z])){_E}")),
    ("diploma", re.compile(
        rf"{_D}(?:(?:Post\s*-?\s*Graduate\s+|PG\s+|Advanced\s+)?Diploma|Associate(?:'s)?\s+"
        rf"(?:degree|of)|A\.?A\.?S\.?(?=\s)|Polytechnic|HND|NVQ|Certificate\s+IV){_E}",
        re.IGNORECASE)),
    ("high_school", re.compile(
        rf"{_D}(?:12th|10th|XII|HSC|SSC|H\.S\.C\.?|S\.S\.C\.?|SSLC|PUC|High\s+School|Higher\s+"
        rf"Secondary|Senior\s+Secondary|Secondary\s+School|Intermediate|Matriculation|"
        rf"A[\s-]Levels?|GCSEs?|CBSE|ICSE|HSLC|Class\s+(?:XII|X|12|10)){_E}", re.IGNORECASE)),
]  # fmt: skip
_INSTITUTION_RE = re.compile(
    r"\b(?:university|universit[äéy]|college|institute|institution|school|academy|polytechnic"
    r"|vidyalaya|iit|nit|iim|bits|hochschule|école|ecole|campus|faculty)\b",
    re.IGNORECASE,
)
_FIELD_RE = re.compile(r"^\s*[\-,:]?\s*(?:in|of)?\s*[\-,:]?\s*(?P<field>[A-Za-z&/ .'\-]{3,80})")
_GENERIC_FIELD_RE = re.compile(
    r"^\s*(?:of\s+)?(?:science|arts|engineering|technology|commerce|laws)\s+(?=in\b)",
    re.IGNORECASE,
)
_TRAILING_YEAR_RE = re.compile(r"[\s,(\-\u2013]*(?:19|20)\d\d\)?\s*$")
_SPLIT_RE = re.compile(r"\s+[-\u2013\u2014|]\s+|\s*,\s+(?=[A-Z])|\s+at\s+|\s+from\s+|\t")


# Every degree pattern in one scan: most lines name no degree, and one scan of a line is
# much cheaper than six. A line it matches goes through the patterns in order.
_ANY_DEGREE_RE = re.compile(
    "|".join(
        f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})"
        for _, p in DEGREE_PATTERNS
    )
)


def looks_like_institution(text: str) -> bool:
    """Whether `text` names a school, college or university."""
    return _INSTITUTION_RE.search(text) is not None


@lru_cache(maxsize=4096)  # a line is asked about by education, certificates and roles
def find_degree(line: str) -> tuple[str, re.Match[str]] | None:
    if _ANY_DEGREE_RE.search(line) is None:
        return None
    for level, pattern in DEGREE_PATTERNS:
        match = pattern.search(line)
        if match:
            return level, match
    return None


def _field(line: str, match: re.Match[str]) -> str | None:
    rest = _SPLIT_RE.split(line[match.end() :], maxsplit=1)[0]
    paren = re.match(r"\s*\(([A-Za-z&/ .\-]{3,60})\)", rest)
    if paren and not re.match(r"hons?\.?$", paren.group(1), re.IGNORECASE):
        return paren.group(1).strip()
    rest = _GENERIC_FIELD_RE.sub("", rest)
    rest = re.sub(r"\(.*?\)|\d.*$", "", rest)
    field = _FIELD_RE.match(rest)
    if not field:
        return None
    value = field.group("field").strip(" .,-")
    if _INSTITUTION_RE.search(value) or len(value) < 3:
        return None
    return value[:80]


def _institution(lines: list[str]) -> str | None:
    for line in lines:
        for part in _SPLIT_RE.split(line.strip()):
            if _INSTITUTION_RE.search(part) and not find_degree(part):
                return _TRAILING_YEAR_RE.sub("", part).strip(" ,-")[:120]
    return None


def _grad_year(lines: list[str]) -> int | None:
    for line in lines:
        ranges = find_ranges(line)
        if ranges and ranges[0].end is not None:
            return ranges[0].end[0]
        years = [int(y) for y in YEAR_RE.findall(line)]
        if years:
            return max(years)
    return None


def parse_education(lines: list[str]) -> list[dict[str, Any]]:
    """Education entries; each degree line opens an entry, nearby lines complete it."""
    lines = [line for line in lines if line.strip()]
    starts = [(i, found) for i, line in enumerate(lines) if (found := find_degree(line))]
    entries: list[dict[str, Any]] = []
    for number, (index, (level, match)) in enumerate(starts):
        stop = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        block = lines[index : min(stop, index + 4)]
        previous = starts[number - 1][0] if number else -1
        before = [lines[index - 1]] if index - 1 > previous else []
        entries.append(
            {
                "degree": _degree_text(lines[index], match),
                "level": level,
                "field": _field(lines[index], match),
                "institution": _institution(block) or _institution(before),
                "graduation_year": _grad_year(block) or _grad_year(before),
            }
        )
    return entries


def _degree_text(line: str, match: re.Match[str]) -> str:
    text = _SPLIT_RE.split(line[match.start() :].strip(), maxsplit=1)[0]
    text = re.sub(r"\s*[(\[]?\b(?:19|20)\d\d\b.*$", "", text)
    return text.strip(" ,;:-")[:120] or match.group()
