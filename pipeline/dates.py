"""Date ranges in CV lines: "Jan 2019 - Present", "03/2018 to 11/2020", "2017-2019"..."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_POINT = (
    rf"(?:(?P<{{p}}m>{_MONTH})[\s,'\u2019]*(?P<{{p}}y>{_YEAR}|'?\d{{{{2}}}})"
    rf"|(?P<{{p}}n>0?[1-9]|1[0-2])\s*[/.\-]\s*(?P<{{p}}ny>{_YEAR})"
    rf"|(?P<{{p}}yy>{_YEAR})(?:\s*[/.\-]\s*(?P<{{p}}ym>0?[1-9]|1[0-2])\b)?)"
)
_PRESENT = (
    r"(?P<present>present|current(?:ly)?|now|today|till\s+date|to\s+date|date|ongoing|onwards)"
)
_SEP = r"\s*(?:-|\u2013|\u2014|to|till|until|through|thru|~|→)\s*"
RANGE_RE = re.compile(
    rf"(?<![\d/])(?:from\s+)?{_POINT.format(p='s')}{_SEP}(?:{_POINT.format(p='e')}|{_PRESENT})"
    r"(?![\d/])",
    re.IGNORECASE,
)
SINCE_RE = re.compile(rf"\bsince\s+{_POINT.format(p='s')}", re.IGNORECASE)
_TWO_DIGITS_RE = re.compile(r"\d\d")
YEAR_RE = re.compile(rf"(?<!\d){_YEAR}(?!\d)")


@dataclass(frozen=True, slots=True)
class DateRange:
    """Months are 1-12; `end` None means present."""

    start: tuple[int, int]
    end: tuple[int, int] | None
    span: tuple[int, int]
    month_known: bool

    def start_str(self) -> str:
        return f"{self.start[0]:04d}-{self.start[1]:02d}"

    def end_str(self) -> str:
        return "present" if self.end is None else f"{self.end[0]:04d}-{self.end[1]:02d}"


def _point(match: re.Match[str], prefix: str) -> tuple[int, int, bool] | None:
    group = match.groupdict()
    if group.get(prefix + "m"):
        year_text = group[prefix + "y"].lstrip("'")
        year = int(year_text) if len(year_text) == 4 else 2000 + int(year_text)
        if year > 2049:
            year -= 100
        return year, _month_key(group[prefix + "m"]), True
    if group.get(prefix + "n"):
        return int(group[prefix + "ny"]), int(group[prefix + "n"]), True
    if group.get(prefix + "yy"):
        month = group.get(prefix + "ym")
        return int(group[prefix + "yy"]), int(month) if month else 1, bool(month)
    return None


def _month_key(text: str) -> int:
    key = text.lower().rstrip(".")
    return MONTHS.get(key) or MONTHS[key[:3]]


def find_ranges(line: str) -> list[DateRange]:
    """All date ranges in one line, left to right."""
    if not _TWO_DIGITS_RE.search(line):
        return []
    ranges: list[DateRange] = []
    for match in RANGE_RE.finditer(line):
        start = _point(match, "s")
        if start is None:
            continue
        end = None if match.group("present") else _point(match, "e")
        if match.group("present") is None and end is None:
            continue
        end_ym = None if end is None else (end[0], end[1])
        if end_ym is not None and end_ym < start[:2]:
            continue
        ranges.append(DateRange(start[:2], end_ym, match.span(), start[2]))
    if not ranges:
        since = SINCE_RE.search(line)
        if since and (point := _point(since, "s")):
            ranges.append(DateRange(point[:2], None, since.span(), point[2]))
    return ranges


def months_between(start: tuple[int, int], end: tuple[int, int]) -> int:
    return (end[0] - start[0]) * 12 + end[1] - start[1] + 1


def total_years(ranges: list[DateRange], today: date) -> float | None:
    """Years covered by the union of ranges (overlaps counted once)."""
    now = (today.year, today.month)
    spans = sorted((r.start, min(r.end or now, now)) for r in ranges if r.start <= now)
    if not spans:
        return None
    months = 0
    cur_start, cur_end = spans[0]
    for start, end in spans[1:]:
        if _index(start) <= _index(cur_end) + 1:
            cur_end = max(cur_end, end)
        else:
            months += months_between(cur_start, cur_end)
            cur_start, cur_end = start, end
    months += months_between(cur_start, cur_end)
    return round(months / 12, 1)


def _index(point: tuple[int, int]) -> int:
    return point[0] * 12 + point[1]
