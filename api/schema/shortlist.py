"""The shortlist: filters and sort orders of a posting's ranking, exports, statistics."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.schema.common import RequestModel
from api.schema.posting import EducationLevel

SortKey = Literal[
    "rank", "score", "name", "filename", "years", "education", "location", "matched", "missing"
]
SkillName = Annotated[str, Field(min_length=1, max_length=100)]
CandidateId = Annotated[str, Field(min_length=1, max_length=36)]
#: the most skills one filter names, and the most candidates one export selects
MAX_FILTER_SKILLS = 20
MAX_EXPORT_IDS = 20_000


class CandidateQuery(RequestModel):
    """Which of a posting's candidates to show, and in which order.

    Every filter narrows the list; `sort` defaults to the ranking (best first).
    """

    min_score: float | None = Field(default=None, ge=0, le=100)
    max_score: float | None = Field(default=None, ge=0, le=100)
    skills: list[SkillName] = Field(
        default=[], max_length=MAX_FILTER_SKILLS, description="Matched skills it must have."
    )
    missing: list[SkillName] = Field(
        default=[], max_length=MAX_FILTER_SKILLS, description="Posted skills it must lack."
    )
    min_years: float | None = Field(default=None, ge=0, le=60)
    education: EducationLevel | None = Field(
        default=None, description="At least this level of education."
    )
    location: str | None = Field(
        default=None, min_length=1, max_length=100, description="A part of the location."
    )
    sort: SortKey = "rank"
    order: Literal["asc", "desc"] = Field(
        default="asc", description="Unknown values (no years, no location) always come last."
    )

    @property
    def is_default(self) -> bool:
        """The plain ranking: keyset-paged in the database."""
        narrowing = (self.max_score, self.min_years, self.education, self.location)
        return (
            self.sort == "rank"
            and self.order == "asc"
            and not self.skills
            and not self.missing
            and all(value is None for value in narrowing)
        )


class ExportCreate(RequestModel):
    """Export the selected candidates, or every candidate the query shows."""

    format: Literal["csv", "xlsx"] = "csv"
    candidate_ids: list[CandidateId] | None = Field(
        default=None,
        max_length=MAX_EXPORT_IDS,
        description="The selection; omit it to export every candidate the query shows.",
    )
    query: CandidateQuery = Field(default_factory=CandidateQuery)


class ScoreBin(BaseModel):
    low: float = Field(description="the bin's lowest score (inclusive)")
    high: float = Field(description="the bin's highest score (exclusive, 100 inclusive)")
    count: int


class SkillCoverage(BaseModel):
    skill: str
    kind: Literal["required", "preferred"]
    count: int = Field(description="candidates with the skill")


class ShortlistStats(BaseModel):
    total: int
    score_bins: list[ScoreBin] = Field(description="ten bins of ten points")
    skills: list[SkillCoverage] = Field(description="the posting's skills, in posting order")
