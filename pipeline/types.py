"""The parsed profile of one CV."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

#: The CV text kept in a profile for relevance scoring, in characters.
MAX_PROFILE_TEXT = 20_000

PROTECTED_KEYS = (
    "gender",
    "date_of_birth",
    "age",
    "nationality",
    "marital_status",
    "religion",
    "has_photo",
)


def empty_protected() -> dict[str, Any]:
    return {key: (False if key == "has_photo" else None) for key in PROTECTED_KEYS}


@dataclass
class Profile:
    """What the parser found in a CV. ``to_dict()`` is JSON-safe.

    `text_terms` maps the CV's most frequent terms (plus one `skill:<name>` term per
    skill) to their counts, computed from the CV text (first :data:`MAX_PROFILE_TEXT`
    characters) after the name, gendered words and protected-attribute lines were
    removed; the scorer uses it for text relevance, so the CV text itself is not kept.
    `protected` is parsed for display and audit only and is never scored.
    `role_titles` are roles stated outside dated jobs (the first, `headline`, is the one
    nearest the top), and `occupations` the O*NET occupations the titles name, best
    first (see `pipeline.roles.infer_occupations`).
    """

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    links: list[str] = field(default_factory=list)
    location: str | None = None
    summary: str | None = None
    skills: list[str] = field(default_factory=list)
    skill_evidence: list[dict[str, Any]] = field(default_factory=list)
    experience: list[dict[str, Any]] = field(default_factory=list)
    total_years_experience: float | None = None
    education: list[dict[str, Any]] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    certifications: list[str] = field(default_factory=list)
    protected: dict[str, Any] = field(default_factory=empty_protected)
    text_terms: dict[str, int] = field(default_factory=dict)
    headline: str | None = None
    role_titles: list[str] = field(default_factory=list)
    occupations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        # Hand-written rather than dataclasses.asdict, which deep-copies and is slow.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("skill_evidence", "experience", "education", "occupations"):
            data[key] = [dict(row) for row in data[key]]
        for key in ("links", "skills", "languages", "certifications", "role_titles"):
            data[key] = list(data[key])
        data["protected"] = dict(self.protected)
        data["text_terms"] = dict(self.text_terms)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        protected = empty_protected()
        protected.update(values.get("protected") or {})
        values["protected"] = protected
        return cls(**values)
