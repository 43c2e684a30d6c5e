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

_FIELD = r"^\s*[•\-*]?\s*{label}\s*[:\-\u2013]\s*(?P<value>.+?)\s*$"
_FIELDS = {
    "gender": re.compile(_FIELD.format(label=r"(?:gender|sex)"), re.IGNORECASE),
    "date_of_birth": re.compile(
        _FIELD.format(label=r"(?:date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|born)"),
        re.IGNORECASE,
    ),
    "age": re.compile(_FIELD.format(label=r"age"), re.IGNORECASE),
    "nationality": re.compile(_FIELD.format(label=r"(?:nationality|citizenship)"), re.IGNORECASE),
    "marital_status": re.compile(
        _FIELD.format(label=r"(?:marital\s+status|civil\s+status)"), re.IGNORECASE
    ),
    "religion": re.compile(_FIELD.format(label=r"(?:religion|faith)"), re.IGNORECASE),
}
_AGE_RE = re.compile(r"\b(?P<age>[1-9]\d)\s*(?:years?\s*old|yrs?\s*old|y/o)\b", re.IGNORECASE)
_PROTECTED_LINE = re.compile(
    r"^\s*[•\-*]?\s*(?:gender|sex|date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|born|age|"
    r"nationality|citizenship|marital\s+status|civil\s+status|religion|faith|caste|"
    r"father'?s?\s+name|mother'?s?\s+name|husband'?s?\s+name|passport|visa\s+status|"
    r"photo|photograph)\b.*$",
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
    for key, pattern in _FIELDS.items():
        for line in text.splitlines():
            match = pattern.match(line)
            if match:
                found[key] = match.group("value")[:60]
                break
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
