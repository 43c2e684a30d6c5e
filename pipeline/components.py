"""The parts of a score, named once: the scorer, postings, the API and exports use these."""

from __future__ import annotations

#: Score components in display order; each is 0-1 and weighted into the 0-100 score.
COMPONENTS: tuple[str, ...] = (
    "required_skills",
    "preferred_skills",
    "text_relevance",
    "title_similarity",
    "occupation_match",
    "experience_fit",
    "education_fit",
)

#: Weights used when a posting sets none; they sum to 1.
DEFAULT_WEIGHTS: dict[str, float] = {
    "required_skills": 0.24,
    "preferred_skills": 0.05,
    "text_relevance": 0.24,
    "title_similarity": 0.19,
    "occupation_match": 0.19,
    "experience_fit": 0.05,
    "education_fit": 0.04,
}
assert tuple(DEFAULT_WEIGHTS) == COMPONENTS and abs(sum(DEFAULT_WEIGHTS.values()) - 1) < 1e-9
