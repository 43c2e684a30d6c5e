"""Job-title similarity with normalisation and synonyms."""

from __future__ import annotations

import re
from functools import lru_cache

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
    (r"\b(?:qa|quality assurance|test|testing)\s+(?:engineer|analyst|specialist)\b", "tester"),
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
_TOKEN_RE = re.compile(r"[a-z][a-z+#]*")


@lru_cache(maxsize=4096)
def title_tokens(title: str) -> frozenset[str]:
    text = title.lower().replace("&", " and ")
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    tokens = {t for t in _TOKEN_RE.findall(text) if t not in _SENIORITY and len(t) > 1}
    return frozenset(tokens - {"of", "and", "the", "for", "in", "at"})


def title_similarity(posting_title: str, titles: list[str]) -> float:
    """Best overlap between the posting title and a job title, recent jobs first."""
    wanted = title_tokens(posting_title)
    if not wanted:
        return 0.0
    best = 0.0
    for index, title in enumerate(titles[:6]):
        have = title_tokens(title)
        if not have:
            continue
        overlap = len(wanted & have)
        score = overlap / len(wanted) * 0.7 + overlap / len(have) * 0.3
        best = max(best, score * (1.0 if index < 2 else 0.85))
    return min(best, 1.0)
