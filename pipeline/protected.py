"""Protected attributes: parsed for display and audit, never scored.

:func:`strip_protected` removes their lines from the text used for relevance, and
:data:`GENDERED_WORDS` (with the candidate's name) never become relevance terms, so
none of them can move a score.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pipeline.dates import YEAR_RE


def _field(label: str) -> re.Pattern[str]:
    """A "Label: value" line, searched in the whole text; its spaces never cross a line."""
    label = label.replace(r"\s", r"[^\S\n]")
    return re.compile(
        rf"^[^\S\n]*[•\-*]?[^\S\n]*{label}[^\S\n]*[:\-\u2013][^\S\n]*(?P<value>.+?)[^\S\n]*$",
        re.IGNORECASE | re.MULTILINE,
    )


_FIELDS = {
    "gender": _field(r"(?:gender|sex)"),
    "date_of_birth": _field(r"(?:date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|born)"),
    "age": _field(r"age"),
    "nationality": _field(r"(?:nationality|citizenship)"),
    "marital_status": _field(r"(?:marital\s+status|civil\s+status)"),
    "religion": _field(r"(?:religion|faith)"),
}
_AGE_RE = re.compile(r"\b(?P<age>[1-9]\d)\s*(?:years?\s*old|yrs?\s*old|y/o)\b", re.IGNORECASE)
_PROTECTED_LINE = re.compile(
    r"^\s*[•\-*]?\s*(?:gender|sex|date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|born|age|"
    r"nationality|citizenship|marital\s+status|civil\s+status|religion|faith|caste|"
    r"father'?s?\s+name|mother'?s?\s+name|husband'?s?\s+name|passport|visa\s+status|"
    r"photo|photograph|personal\s+(?:details|information|data|info|particulars))\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
#: Words that say or hint at gender or family status; never relevance terms.
GENDERED_WORDS = frozenset(
    """he she him her his hers himself herself mr mrs ms miss male female man woman men women
    boy girl husband wife mother father son daughter married single divorced widowed pregnant
    maternity paternity""".split()
)


def parse_protected(text: str, today: date) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if _PROTECTED_LINE.search(text):  # every labelled field is also such a line
        for key, pattern in _FIELDS.items():
            match = pattern.search(text)
            value = match.group("value").strip(" .,") if match else ""
            if value:  # "Sex: " with nothing after the colon says nothing
                found[key] = value[:60]
    age = found.get("age")
    if isinstance(age, str):
        digits = re.match(r"\d{1,2}", age.strip())
        found["age"] = int(digits.group()) if digits else None
    elif (match := _AGE_RE.search(text)) is not None:
        found["age"] = int(match.group("age"))
    dob = found.get("date_of_birth")
    if dob and found.get("age") is None and (year := YEAR_RE.search(dob)):
        found["age"] = today.year - int(year.group())
    if isinstance(found.get("gender"), str):
        found["gender"] = found["gender"].split()[0].strip(".,").lower()
    return found


def strip_protected(text: str) -> str:
    """Text without its protected-attribute lines (gender, birth date, religion...)."""
    return _PROTECTED_LINE.sub("", text)
