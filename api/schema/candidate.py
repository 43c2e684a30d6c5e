"""Ranked candidates and their profiles."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class MatchedSkill(BaseModel):
    skill: str
    evidence: str = Field(description="The CV line the skill was found on.")


class BreakdownItem(BaseModel):
    score: float = Field(description="0..1")
    weight: float
    points: float


class CandidateSummary(BaseModel):
    id: str
    file_id: str
    filename: str
    name: str | None
    email: str | None
    score: float = Field(description="0..100")
    rank: int | None
    breakdown: dict[str, BreakdownItem]
    matched_skills: list[MatchedSkill]
    missing_skills: list[str]
    download_url: str = Field(description="A short-lived signed link to the original file.")


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


class CandidateRead(CandidateSummary):
    posting_id: str
    phone: str | None
    links: list[str]
    location: str | None
    summary: str | None
    skills: list[str]
    experience: list[ExperienceItem]
    total_years_experience: float | None
    education: list[EducationItem]
    languages: list[str]
    certifications: list[str] = Field(default_factory=list)


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
    )
    defaults: dict[str, Any] = {
        "links": [],
        "skills": [],
        "experience": [],
        "education": [],
        "languages": [],
        "certifications": [],
    }
    return {key: profile.get(key, defaults.get(key)) for key in keys}
