"""Job-title similarity with normalisation and synonyms."""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.experience import TITLE_WORDS

_SENIORITY = frozenset(
    """senior sr junior jr lead principal staff chief head associate assistant trainee
    intern graduate entry level i ii iii iv mid experienced deputy""".split()
)
# Phrase -> canonical phrase, applied to the lower-cased title before tokenising.
_SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"\b(?:software|application|applications)\s+(?:developer|programmer)\b", "software engineer"),
    (r"\bsde\b|\bswe\b", "software engineer"),
    (r"\bprogrammer\b", "developer"),
    (r"\bdeveloper\b", "engineer"),
    (
        r"\b(?:qa|quality assurance|test|testing)(?:\s+automation)?\s+"
        r"(?:engineer|analyst|specialist)\b",
        "tester",
    ),
    (r"\bsdet\b|\bautomation\s+tester\b", "tester"),
    (r"\b(?:attorney|advocate|solicitor|counsel|barrister)\b", "lawyer"),
    (r"\blegal\s+(?:assistant|executive)\b", "paralegal"),
    (r"\b(?:rn|registered nurse|staff nurse|nurse practitioner|charge nurse)\b", "nurse"),
    (r"\b(?:fitness\s+(?:instructor|coach|trainer)|gym\s+instructor|pt)\b", "personal trainer"),
    (
        r"\b(?:talent acquisition|recruitment)\s+(?:specialist|consultant|partner|executive)\b",
        "recruiter",
    ),
    (
        r"\b(?:hr|human resources?|people)\s+(?:generalist|business partner|officer|executive)\b",
        "hr manager",
    ),
    (r"\bhuman resources?\b", "hr"),
    (r"\bhealthcare\b", "health care"),
    (
        r"\b(?:sales|account)\s+(?:executive|representative|rep|associate|consultant)\b",
        "sales representative",
    ),
    (
        r"\b(?:business development|bd)\s+(?:executive|representative|manager)\b",
        "sales representative",
    ),
    (r"\b(?:bookkeeper|accounts?\s+(?:executive|assistant|officer))\b", "accountant"),
    (
        r"\b(?:site|structural|project)\s+engineer\b(?=.*civil)|\bcivil\s+engineer\b",
        "civil engineer",
    ),
    (r"\b(?:dev\s*ops|site reliability)\s+engineer\b|\bsre\b", "devops engineer"),
    (r"\b(?:data\s+scientist|ml\s+engineer|machine learning engineer)\b", "data scientist"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _SYNONYMS)
_GLUE = frozenset({"of", "and", "the", "for", "in", "at"})
_PAREN_RE = re.compile(r"\(([^)]*)\)")
# Head nouns that say little about the role: the words before them do ("Marketing Manager").
_GENERIC_HEADS = frozenset(
    """specialist executive officer coordinator manager consultant associate assistant
    analyst administrator advisor adviser professional expert member partner""".split()
)
#: Factor for a title whose role noun differs ("Nurse Educator" for a "Nurse" posting).
OTHER_HEAD = 0.5
_TOKEN_RE = re.compile(r"[a-z][a-z+#]*")
# A qualifier after the role: "Registered Nurse - Surgical Ward", "Accountant | Payroll".
_QUALIFIER_RE = re.compile(r"\s+[-\u2013\u2014|]\s+.*$")
#: Weight of a title by position, most recent job first: the current role counts most.
RECENCY = (1.0, 0.8, 0.7, 0.6, 0.6, 0.6)


def _normalise(title: str) -> str:
    text = _QUALIFIER_RE.sub("", title.lower()).replace("&", " and ")
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


def _stem(token: str) -> str:
    """A light stem so "finance" meets "financial" and "sales" meets "sale"."""
    if token.endswith("ial") and len(token) > 5:
        return token[:-3]
    if token.endswith("e") or (token.endswith("s") and not token.endswith("ss")):
        return token[:-1]
    return token


@lru_cache(maxsize=4096)
def title_tokens(title: str) -> frozenset[str]:
    words = _TOKEN_RE.findall(_normalise(title))
    tokens = {_stem(t) for t in words if t not in _SENIORITY and len(t) > 1 and t not in _GLUE}
    return frozenset(tokens)


@lru_cache(maxsize=4096)
def title_head(title: str) -> str | None:
    """The role noun of a title: its last word, or a role in brackets ("Associate (Lawyer)")."""
    text = _normalise(title)
    for inner in _PAREN_RE.findall(text):
        roles: list[str] = [t for t in _TOKEN_RE.findall(inner) if t in TITLE_WORDS]
        if roles:
            return roles[-1]
    words: list[str] = [
        t for t in _TOKEN_RE.findall(_PAREN_RE.sub(" ", text)) if t not in _SENIORITY
    ]
    return words[-1] if words else None


def _heads_differ(one: str, other: str) -> bool:
    a, b = title_head(one), title_head(other)
    return bool(a and b and a != b and not (a in _GENERIC_HEADS and b in _GENERIC_HEADS))


def title_similarity(posting_title: str, titles: list[str]) -> float:
    """Best overlap between the posting title and a job title, recent jobs first."""
    wanted = title_tokens(posting_title)
    if not wanted:
        return 0.0
    best = 0.0
    for weight, title in zip(RECENCY, titles, strict=False):
        have = title_tokens(title)
        if not have:
            continue
        overlap = len(wanted & have)
        score = overlap / len(wanted) * 0.7 + overlap / len(have) * 0.3
        if overlap and _heads_differ(posting_title, title):
            score *= OTHER_HEAD
        best = max(best, score * weight)
    return min(best, 1.0)
