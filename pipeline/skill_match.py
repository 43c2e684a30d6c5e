"""Posting skills against a CV's skills: by evidence, by specificity, and by name family.

Each posting skill counts by how specific it is: rare in the pool being ranked (IDF) and
named by few O*NET occupations (Excel, listed by hundreds, counts far less than
Selenium). A CV earns a skill by its evidence (used in a job like the posted one, used
elsewhere, only listed), and by how its name meets the posting's:

- the same canonical skill (aliases included: k8s = Kubernetes);
- a variant or a parent: a CV's "Oracle Database" for a posting's "Oracle", or the
  other way round, at a little less;
- a posting skill the taxonomy does not know ("legal drafting") as a phrase whose words
  all occur in the CV's text, with lower confidence.

A CV that lists very many skills has its listed-only credit damped, so a long keyword
list cannot collect what experience earns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.relevance import tokenize
from pipeline.taxonomy import Taxonomy, get_taxonomy, normalize

#: Credit for a posting skill by its evidence: used in a job like the posted one, used in
#: another dated job (or with stated years), or only listed (skills or keywords section).
#: A listed skill of a candidate who has worked in the posted kind of role counts as used.
ROLE_CREDIT = 1.0
USED_CREDIT = 0.6
LISTED_ONLY_CREDIT = 0.35
#: Strength of a match through a name family (variant or parent) and through a phrase.
VARIANT_MATCH = 0.85
PARENT_MATCH = 0.7
PHRASE_MATCH = 0.5
#: A CV listing more skills than this has its listed-only credit damped (square root).
LONG_LIST = 40
#: O*NET occupations naming a skill from which it counts as generic (see `breadth`).
BREADTH_SCALE = 20.0
#: Breadth factor of a skill O*NET does not list (curated or unknown names).
UNKNOWN_BREADTH = 0.6
#: Mean breadth from which a posting's skills say as much as skills can about a CV.
INFORMATIVE_BREADTH = 0.45


@dataclass(frozen=True, slots=True)
class Credit:
    value: float
    evidence: str
    how: str  # "exact", "variant", "parent" or "phrase"


def skill_credits(profile: dict[str, Any], related: list[bool]) -> dict[str, Credit]:
    """Each CV skill (lower-case canonical name) with the credit its evidence earns."""
    credit: dict[str, Credit] = {}
    evidence = {row["skill"]: row for row in profile.get("skill_evidence") or []}
    skills = profile.get("skills") or []
    damp = math.sqrt(LONG_LIST / len(skills)) if len(skills) > LONG_LIST else 1.0
    for skill in skills:
        row = evidence.get(skill) or {}
        jobs = row.get("jobs")
        if jobs is None and row.get("last_used") is not None:
            value = ROLE_CREDIT  # a profile parsed before jobs were recorded per skill
        elif any(related[j] for j in jobs or [] if j < len(related)):
            value = ROLE_CREDIT
        elif jobs or row.get("last_used") is not None or row.get("years") is not None:
            value = USED_CREDIT
        elif any(related):
            value = USED_CREDIT
        else:
            value = LISTED_ONLY_CREDIT * damp
        credit[skill.lower()] = Credit(value, row.get("evidence") or "", "exact")
    return credit


def breadth(skill: str, taxonomy: Taxonomy) -> float:
    """1 for a skill few occupations use, towards 0 for one that nearly all do."""
    entry = taxonomy.skills.get(skill) or taxonomy.skills.get(taxonomy.canonical(skill) or "")
    count = entry.get("occupations") if entry else None
    if not isinstance(count, int):
        return UNKNOWN_BREADTH
    return 1.0 / (1.0 + math.log(1.0 + count / BREADTH_SCALE))


def skill_weights(
    wanted: list[str], pool: list[dict[str, Credit]], taxonomy: Taxonomy | None = None
) -> dict[str, float]:
    """Each posting skill's weight: its IDF in the pool times its O*NET breadth."""
    taxonomy = taxonomy or get_taxonomy()
    size = len(pool)
    weights: dict[str, float] = {}
    for skill in wanted:
        key = skill.lower()
        df = sum(1 for credits in pool if key in credits)
        idf = math.log((size + 1) / (df + 1)) + 1.0
        weights[skill] = idf * breadth(skill, taxonomy)
    return weights


def informativeness(wanted: list[str], taxonomy: Taxonomy | None = None) -> float:
    """How much a posting's skills can tell about a CV, 0-1: office tools that nearly
    every occupation uses (Excel, Word) tell little, so the skills part weighs less."""
    if not wanted:
        return 0.0
    taxonomy = taxonomy or get_taxonomy()
    mean = sum(breadth(s, taxonomy) for s in wanted) / len(wanted)
    return min(1.0, mean / INFORMATIVE_BREADTH)


class SkillIndex:
    """A CV's skill credits, looked up by exact name, name family or phrase."""

    def __init__(self, credits: dict[str, Credit], terms: dict[str, int]) -> None:
        self.credits = credits
        self.terms = terms
        self._family: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name in credits:
            tokens = tuple(normalize(name).split())
            if tokens:
                self._family.setdefault(tokens[0], []).append((tokens, name))

    def find(self, skill: str, known: bool) -> Credit | None:
        key = skill.lower()
        exact = self.credits.get(key)
        if exact is not None:
            return exact
        tokens = tuple(normalize(skill).split())
        best: Credit | None = None
        for other, name in self._family.get(tokens[0], []) if tokens else []:
            if other[: len(tokens)] == tokens:
                strength, how = VARIANT_MATCH, "variant"
            elif tokens[: len(other)] == other:
                strength, how = PARENT_MATCH, "parent"
            else:
                continue
            found = self.credits[name]
            if best is None or found.value * strength > best.value:
                best = Credit(found.value * strength, found.evidence, f"{how} ({name})")
        if best is not None or known:
            return best
        words = [t for t in tokenize(skill) if t != "software"]
        if words and all(("skill:" + w) in self.terms or w in self.terms for w in words):
            return Credit(USED_CREDIT * PHRASE_MATCH, "", "phrase in the CV's text")
        return None


@lru_cache(maxsize=4096)
def _known(taxonomy: Taxonomy, skill: str) -> bool:
    return taxonomy.canonical(skill) is not None


def skills_score(
    wanted: list[str], index: SkillIndex, weights: dict[str, float], taxonomy: Taxonomy
) -> tuple[float, list[dict[str, str]], list[str]]:
    """(weighted share 0-1, matched skills with evidence, missing skills)."""
    if not wanted:
        return 0.0, [], []
    matched: list[dict[str, str]] = []
    missing: list[str] = []
    total = 0.0
    for skill in wanted:
        found = index.find(skill, known=_known(taxonomy, skill))
        if found is None:
            missing.append(skill)
            continue
        total += found.value * weights[skill]
        row = {"skill": skill, "evidence": found.evidence}
        if found.how != "exact":
            row["match"] = found.how
        matched.append(row)
    return total / (sum(weights[s] for s in wanted) or 1.0), matched, missing
