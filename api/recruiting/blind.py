"""Blind review: what a candidate view shows of a posting with `blind_review` on.

Until a reviewer reveals the candidate (`POST /candidates/{id}/reveal`, audited), every
candidate response and export hides who the candidate is: the name (a pseudonym from
the id instead), email, phone, links, location (the address), the file's name and the
file itself (no download link: the original shows everything). Free text the views
quote (evidence lines, summary, headline, titles, education) has email addresses,
phone numbers, links, the candidate's name and the gendered words the pipeline keeps
out of scoring replaced by `[hidden]`, and lines that state a protected attribute
(date of birth, nationality, gender, photo...) hidden whole. The score never used any
of them (docs/quality.md, "Fairness rule").
"""

from __future__ import annotations

import re
from typing import Any

from api.schema.candidate import CandidateRead, CandidateSummary
from pipeline.protected import GENDERED_WORDS, strip_protected

HIDDEN = "[hidden]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK_END = r"[^\s)\]>\"',;]"
_URL = re.compile(
    rf"(?:https?://|www\.){_LINK_END}+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev)/{_LINK_END}*"
)
_PHONE = re.compile(r"\+?\(?\d[\d ().-]{6,}\d")
_GENDERED = re.compile(
    r"\b(?:" + "|".join(sorted(GENDERED_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)


def pseudonym(candidate_id: str) -> str:
    """The name a hidden candidate goes by: stable, and says nothing about them."""
    return f"Candidate {candidate_id[:8].upper()}"


def _phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group())
    return HIDDEN if digits >= 9 else match.group()  # year ranges have eight


def _name_pattern(name: str | None) -> re.Pattern[str] | None:
    parts = [re.escape(part) for part in re.split(r"[\s,.]+", name or "") if len(part) > 1]
    if not parts:
        return None
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


def mask_text(text: str | None, name: str | None) -> str | None:
    """`text` with who the candidate is replaced by `[hidden]`."""
    if not text:
        return text
    named = _name_pattern(name)
    lines = []
    for line in text.split("\n"):
        if strip_protected(line).strip() != line.strip():
            lines.append(HIDDEN)
            continue
        line = _PHONE.sub(_phone, _URL.sub(HIDDEN, _EMAIL.sub(HIDDEN, line)))
        if named is not None:
            line = named.sub(HIDDEN, line)
        lines.append(_GENDERED.sub(HIDDEN, line))
    return "\n".join(lines)


def _masked_items(items: list[Any], name: str | None, *fields: str) -> None:
    for item in items:
        for field in fields:
            setattr(item, field, mask_text(getattr(item, field), name))


def hide_summary(item: CandidateSummary, name: str | None) -> None:
    """Hide who the candidate is in a summary (in place)."""
    item.name = pseudonym(item.id)
    item.email = None
    item.location = None
    item.filename = HIDDEN
    item.download_url = None
    item.blind = True
    _masked_items(item.matched_skills, name, "evidence")
    _masked_items(list(item.breakdown.values()), name, "evidence")


def hide_read(item: CandidateRead, name: str | None) -> None:
    """Hide who the candidate is in a full profile (in place)."""
    hide_summary(item, name)
    item.phone = None
    item.links = []
    item.summary = mask_text(item.summary, name)
    item.headline = mask_text(item.headline, name)
    item.role_titles = [mask_text(t, name) or "" for t in item.role_titles]
    _masked_items(item.skill_evidence, name, "evidence")
    _masked_items(item.occupations, name, "from_")
    _masked_items(item.experience, name, "title", "company")
    _masked_items(item.education, name, "degree", "field", "institution")


def export_cells(candidate_id: str) -> dict[str, Any]:
    """What an export writes for a hidden candidate's identifying columns."""
    return {
        "name": pseudonym(candidate_id),
        "email": "",
        "location": "",
        "filename": HIDDEN,
        "download_url": "",
    }
