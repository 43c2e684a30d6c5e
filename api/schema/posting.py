"""Job postings: create, update, read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schema.common import RequestModel, UtcDateTime
from pipeline.components import COMPONENTS

EducationLevel = Literal["high_school", "diploma", "bachelor", "master", "doctorate"]
WEIGHT_KEYS = COMPONENTS
SkillName = Annotated[str, Field(min_length=1, max_length=100)]
SkillList = Annotated[list[SkillName], Field(max_length=100)]
#: a component's weight before normalisation; bounded so that their sum stays finite
Weight = Annotated[float, Field(ge=0, le=1000)]
Weights = Annotated[
    dict[str, Weight],
    Field(json_schema_extra={"propertyNames": {"enum": list(WEIGHT_KEYS)}}),
]
RetentionDays = Annotated[int, Field(ge=1, le=36500)]


def _check_weights(value: dict[str, float] | None) -> dict[str, float] | None:
    if value is None:
        return None
    unknown = set(value) - set(WEIGHT_KEYS)
    if unknown:
        raise ValueError(f"unknown weight(s): {', '.join(sorted(unknown))}")
    return value


class PostingCreate(RequestModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=50_000)
    required_skills: SkillList | None = Field(
        default=None, description="Omit both skill lists to take them from the description."
    )
    preferred_skills: SkillList | None = None
    min_years_experience: float | None = Field(default=None, ge=0, le=60)
    education_level: EducationLevel | None = None
    location: str | None = Field(default=None, max_length=200)
    weights: Weights | None = Field(
        default=None,
        description=f"Overrides of the component weights ({', '.join(WEIGHT_KEYS)}); "
        "they are normalised to sum to 1.",
    )

    blind_review: bool = Field(
        default=False,
        description="Hide who candidates are (name, contact, photo, address, birth date, "
        "nationality, gendered words, the file) until a reviewer reveals one.",
    )
    retention_days: RetentionDays | None = Field(
        default=None,
        description="Days candidates are kept once the posting is closed (RETENTION_DAYS "
        "when unset).",
    )

    _weights = field_validator("weights")(_check_weights)


class PostingUpdate(RequestModel):
    """Fields to change; a field set to null is derived from the description again."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, min_length=1, max_length=50_000)
    required_skills: SkillList | None = None
    preferred_skills: SkillList | None = None
    min_years_experience: float | None = Field(default=None, ge=0, le=60)
    education_level: EducationLevel | None = None
    location: str | None = Field(default=None, max_length=200)
    weights: Weights | None = None
    blind_review: bool | None = None
    retention_days: RetentionDays | None = Field(default=None, description="null: the default.")
    closed: bool | None = Field(
        default=None,
        description="Close (true) or reopen (false) the posting; a closed posting's "
        "candidates are purged after the retention period.",
    )

    _weights = field_validator("weights")(_check_weights)


class PostingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    description: str
    required_skills: list[str] = Field(description="Canonical skill names.")
    preferred_skills: list[str]
    min_years_experience: float | None
    education_level: str | None
    location: str | None
    weights: dict[str, float] = Field(description="The effective weights, summing to 1.")
    blind_review: bool
    retention_days: int | None
    closed_at: UtcDateTime | None = Field(description="When the posting was closed.")
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def of(cls, posting: Any) -> PostingRead:
        """From a Posting row: the weights shown are the effective ones from its spec."""
        data = {name: getattr(posting, name) for name in cls.model_fields if name != "weights"}
        return cls(**data, weights=posting.spec.get("weights") or {})


class PostingDraft(RequestModel):
    """A posting's text, read before it is saved."""

    title: str = Field(default="", max_length=200)
    description: str = Field(min_length=1, max_length=50_000)


class PostingPreview(BaseModel):
    """What cvmatch reads from a description when the skills are left to it."""

    required_skills: list[str]
    preferred_skills: list[str]
    min_years_experience: float | None
    education_level: str | None


class ScreeningCreate(RequestModel):
    """Screen files the caller already uploaded."""

    file_ids: list[Annotated[str, Field(max_length=36)]] = Field(min_length=1, max_length=20_000)
