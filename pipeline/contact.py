"""Contact details and the candidate's name from the top of a CV."""

from __future__ import annotations

import re

# An address starts where a word starts: without the lookbehind, the scan would try every
# position inside every word of a CV.
EMAIL_RE = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.IGNORECASE)
PHONE_RE = re.compile(r"(?<![\w/.\-])(?:\+|00)?\(?\d[\d\s().\-]{6,18}\d(?![\w/])")
URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>()\"',;]+"
    r"|\b(?:[a-z]{2,3}\.)?(?:linkedin\.com|github\.com|gitlab\.com|indeed\.com|behance\.net"
    r"|dribbble\.com|stackoverflow\.com)/[^\s<>()\"',;]+",
    re.IGNORECASE,
)
_PROFILE_HOSTS = ("linkedin.com", "github.com", "indeed.com", "gitlab.com")
_FIELD_RE = re.compile(
    r"^\s*(?:location|address|city|based in|current location|residence)\s*[:\-]\s*(.+)$",
    re.IGNORECASE,
)
_CITY_RE = re.compile(r"^[A-Z][A-Za-z .'\-]{1,30},\s*[A-Z][A-Za-z .'\-]{1,30}$")
_NAME_FIELD_RE = re.compile(r"^\s*(?:full\s+)?name\s*[:\-]\s*(.+)$", re.IGNORECASE)
_NAME_TOKEN_RE = re.compile(r"^[A-Z][a-zA-Z'\u2019\-]*\.?$|^[A-Z]\.$")
_SPLIT_RE = re.compile(r"\s+[-\u2013\u2014|•·,]\s+|\s{3,}|\t|\|")
# Words that mark a line as a title, heading or label rather than a person's name.
_NOT_NAME = frozenset(
    """resume curriculum vitae cv profile engineer developer manager analyst consultant
    associate intern lead head director officer specialist executive assistant nurse teacher
    trainer accountant lawyer attorney paralegal recruiter coordinator administrator designer
    architect tester representative advisor supervisor technician scientist summary objective
    contact email phone mobile address skills experience education india university college
    limited ltd inc services solutions technologies senior junior software professional
    personal information details page sales marketing finance expert support system""".split()
)


def may_hold_link(text: str) -> bool:
    """Whether `text` may hold an address URL_RE finds (cheap substring tests first)."""
    lowered = text.lower()
    return any(hint in lowered for hint in _LINK_HINTS)


def strip_contact(text: str) -> str:
    """`text` without e-mail addresses and links."""
    if may_hold_link(text):
        text = URL_RE.sub(" ", text)
    if "@" in text:
        text = EMAIL_RE.sub(" ", text)
    return text


def find_email(text: str) -> str | None:
    if "@" not in text:
        return None
    match = EMAIL_RE.search(text)
    return match.group().lower() if match else None


def normalize_phone(raw: str) -> str | None:
    digits = re.sub(r"\D", "", raw)
    if not 8 <= len(digits) <= 15:
        return None
    stripped = raw.strip()
    if stripped.startswith("00"):
        return "+" + digits[2:]
    if stripped.startswith("+"):
        return "+" + digits
    return digits


def find_phone(lines: list[str]) -> str | None:
    """The first phone-like number, skipping date ranges and years."""
    for line in lines:
        for match in PHONE_RE.finditer(line):
            raw = match.group()
            if re.fullmatch(r"[\d\s]*(?:19|20)\d\d\s*[-\u2013/]\s*(?:19|20)?\d\d[\d\s]*", raw):
                continue
            if re.search(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}", raw) and "+" not in raw:
                continue
            phone = normalize_phone(raw)
            if phone:
                return phone
    return None


_LINK_HINTS = ("http", "www.", ".com/", ".net/")


def find_links(text: str) -> list[str]:
    links: list[str] = []
    seen: set[str] = set()
    if not may_hold_link(text):  # most CVs: skip the slow scan
        return links
    for match in URL_RE.finditer(text):
        url = match.group().rstrip(".:)")
        if any(host in url.lower() for host in _PROFILE_HOSTS):
            url = url.split("?", 1)[0]
        key = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).rstrip("/")
        if "@" in url or key in seen:
            continue
        seen.add(key)
        links.append(url)
    return links


def find_location(lines: list[str]) -> str | None:
    for line in lines[:40]:
        field = _FIELD_RE.match(line)
        if field:
            return field.group(1).strip()[:100]
    for line in lines[:12]:
        for part in _SPLIT_RE.split(line.strip()):
            part = part.strip(" -")
            if _CITY_RE.match(part) and not _looks_like_name_line(part):
                return part
    return None


def _looks_like_name_line(part: str) -> bool:
    return any(word.lower() in _NOT_NAME for word in re.split(r"[\s,]+", part))


def find_name(lines: list[str]) -> str | None:
    """The candidate's name: a short title-case line near the top, not a label or title."""
    for line in lines[:30]:
        field = _NAME_FIELD_RE.match(line)
        if field and is_name_shaped(field.group(1).strip()):
            return _tidy_name(field.group(1).strip())
    for number, line in enumerate(lines[:8]):
        for part in _SPLIT_RE.split(line.strip())[:2]:
            candidate = part.strip(" :-")
            if is_name_shaped(candidate, relaxed=number == 0):
                return _tidy_name(candidate)
    return None


def is_name_shaped(candidate: str, *, relaxed: bool = False) -> bool:
    """Two to four capitalised words; on the first line, any-case words will do."""
    words = candidate.split()
    if not 2 <= len(words) <= 4 or len(candidate) > 40 or "," in candidate:
        return False
    if any(word.lower().strip(".") in _NOT_NAME for word in words):
        return False
    if candidate.isupper() or relaxed:
        words = [w[:1].upper() + w[1:] for w in words]
    return all(_NAME_TOKEN_RE.match(word) for word in words)


def _tidy_name(name: str) -> str:
    name = " ".join(name.split())
    return name.title() if name.isupper() else name
