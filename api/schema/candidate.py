"""Ranked candidates and their profiles."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schema.common import DisplayName


class MatchedSkill(BaseModel):
    skill: str
    evidence: str = Field(description="The CV line the skill was found on.")
    match: str | None = Field(
        default=None,
        description="How the posting's skill met the CV's when not by name: a variant or "
        'parent ("variant (spring boot)") or a phrase in the CV\'s text.',
    )


class BreakdownItem(BaseModel):
    score: float = Field(description="0..1, this part's reading for the CV")
    weight: float = Field(
        description="The part's share of the score for this CV: the posting's weight, "
        "scaled by the evidence the CV gives for the part (0 when it could not be read)."
    )
    points: float = Field(description="score x weight x 100; the points add up to the score")
    evidence: str = Field(default="", description="What the part rests on, in words.")


class Occupation(BaseModel):
    code: str = Field(description="O*NET-SOC code")
    title: str
    score: float = Field(description="evidence for it: title weight x how well it matched")
    from_: str = Field(alias="from", description="the title that names it")

    model_config = {"populate_by_name": True}


class CandidateSummary(BaseModel):
    id: str
    file_id: str
    filename: DisplayName
    name: str | None
    email: str | None
    score: float = Field(description="0..100")
    rank: int | None
    breakdown: dict[str, BreakdownItem]
    matched_skills: list[MatchedSkill]
    missing_skills: list[str]
    download_url: str | None = Field(
        description="A short-lived signed link to the original file (none while hidden)."
    )
    years_experience: float | None = Field(
        default=None, description="Years of work the CV's dated jobs add up to."
    )
    education_level: str | None = Field(default=None, description="The highest level found.")
    location: str | None = None
    blind: bool = Field(
        default=False,
        description="Blind review: who the candidate is (name, contact, address, the file) "
        "is hidden until a reviewer reveals the candidate.",
    )


class ExperienceItem(BaseModel):
    title: str | None = None
    company: str | None = None
    start: str | None = None
    end: str | None = None


class EducationItem(BaseModel):
    degree: str | None = None
    level: str | None = None
    field: str | None = None
    institution: str | None = None
    graduation_year: int | None = None


class SkillEvidence(BaseModel):
    skill: str
    evidence: str | None = Field(default=None, description="The CV line it was read from.")
    years: float | None = None
    last_used: int | None = None


class CandidateRead(CandidateSummary):
    posting_id: str
    phone: str | None
    links: list[str]
    summary: str | None
    skills: list[str]
    experience: list[ExperienceItem]
    total_years_experience: float | None
    education: list[EducationItem]
    languages: list[str]
    certifications: list[str] = Field(default_factory=list)
    headline: str | None = Field(default=None, description="The role stated nearest the top.")
    role_titles: list[str] = Field(
        default_factory=list, description="Roles stated outside dated jobs, headline first."
    )
    occupations: list[Occupation] = Field(
        default_factory=list, description="The O*NET occupations the CV's titles name, best first."
    )
    skill_evidence: list[SkillEvidence] = Field(
        default_factory=list, description="Each skill found with the line it was read from."
    )
    previous_id: str | None = Field(default=None, description="The candidate ranked above.")
    next_id: str | None = Field(default=None, description="The candidate ranked below.")


def profile_fields(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile keys a CandidateRead shows."""
    keys = (
        "phone",
        "links",
        "location",
        "summary",
        "skills",
        "experience",
        "total_years_experience",
        "education",
        "languages",
        "certifications",
        "headline",
        "role_titles",
        "occupations",
        "skill_evidence",
    )
    defaults: dict[str, Any] = {
        "role_titles": [],
        "occupations": [],
        "skill_evidence": [],
        "links": [],
        "skills": [],
        "experience": [],
        "education": [],
        "languages": [],
        "certifications": [],
    }
    return {key: profile.get(key, defaults.get(key)) for key in keys}
