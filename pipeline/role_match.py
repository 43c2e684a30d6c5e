"""How close a CV's roles are to the posted one: job titles, the occupations they name,
and the years spent in such roles."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.occupations import get_occupations
from pipeline.roles import is_layout_title
from pipeline.titles import title_similarity, title_tokens

#: Title similarity from which a job counts as the posted kind of role.
RELATED_TITLE = 0.5
#: Occupation closeness from which a job counts as the posted kind of role.
RELATED_OCCUPATION = 0.5
#: Share of a year in an unrelated job that counts towards the posting's minimum years.
UNRELATED_YEAR_CREDIT = 0.1
#: Evidence for a CV's occupations (sum of `score`) that counts as certain.
FULL_OCCUPATION_EVIDENCE = 1.0


def cv_titles(profile: dict[str, Any]) -> list[str]:
    """The CV's role titles, the most telling first: its headline and current job, then
    earlier jobs and other stated roles."""
    jobs = _recent_jobs(profile)
    stated = list(profile.get("role_titles") or [])
    titles = stated[:1] + [j["title"] for j in jobs] + stated[1:]
    unique: dict[str, str] = {}
    for title in titles:
        unique.setdefault(title.lower(), title)
    return list(unique.values())


def _recent_jobs(profile: dict[str, Any]) -> list[dict[str, Any]]:
    jobs = [j for j in profile.get("experience") or []
            if j.get("title") and not is_layout_title(j["title"])]  # fmt: skip
    jobs.sort(key=lambda j: ("9999" if j.get("end") == "present" else j.get("end") or ""),
              reverse=True)  # fmt: skip
    return jobs


def occupation_match(posting: dict[str, Any], profile: dict[str, Any]) -> tuple[float, float, str]:
    """(closeness 0-1, evidence 0-1, explanation) of the CV's occupations to the posting's.

    Closeness is that of the CV's reading nearest a posted occupation, times how
    plausible that reading is against the CV's best one ("Business Analyst" names three
    O*NET occupations equally; any of them may be the posted one). Evidence is how sure
    both readings are.
    """
    wanted = posting.get("occupations")
    if wanted is None:  # a posting resolved before occupations were read
        from pipeline.posting import posting_occupations

        wanted = posting_occupations(posting.get("title") or "")
    found = profile.get("occupations") or []
    if not wanted:
        return 0.0, 0.0, "the posting's title names no known occupation"
    if not found:
        return 0.0, 0.0, "no role titles found; ranked on text and skills"
    data = get_occupations()
    targets = [i for i in (data.index_of(o["code"]) for o in wanted) if i is not None]
    total = sum(float(o["score"]) for o in found) or 1.0
    top = max(float(o["score"]) for o in found) or 1.0
    best: tuple[float, dict[str, Any], str] = (0.0, {**found[0], "near": 0.0}, wanted[0]["title"])
    for item in found:
        index = data.index_of(item["code"])
        if index is None:
            continue
        plausible = float(item["score"]) / top
        for target in targets:
            near = data.similarity(target, index)
            if near * plausible > best[0]:
                best = (near * plausible, {**item, "near": near}, data.titles[target])
    evidence = min(1.0, total / FULL_OCCUPATION_EVIDENCE) * float(wanted[0].get("coverage", 1.0))
    return best[0], evidence, _explain_occupation(best[2], best[1])


def _explain_occupation(wanted: str, item: dict[str, Any]) -> str:
    near = float(item.get("near", 0.0))
    if near >= 1.0:
        kind = "the posted occupation"
    elif near >= RELATED_OCCUPATION:
        kind = f"close to the posted {wanted}"
    elif near > 0:
        kind = f"related to the posted {wanted}"
    else:
        kind = f"unrelated to the posted {wanted}"
    return f'reads as {item["title"]} (from "{item["from"]}"): {kind}'


def related_jobs(posting: dict[str, Any], experience: list[dict[str, Any]]) -> list[bool]:
    """Which experience entries are the posted kind of role. Without a posting title or
    a parsed job title this cannot be told, and the job is given the benefit of the doubt."""
    title = posting.get("title") or ""
    if not title_tokens(title):
        return [True] * len(experience)
    return [_related(posting, job.get("title") or "") for job in experience]


def _related(posting: dict[str, Any], job_title: str) -> bool:
    if not title_tokens(job_title):
        return True
    if title_similarity(posting.get("title") or "", [job_title]) >= RELATED_TITLE:
        return True
    data = get_occupations()
    match = data.match_title(job_title)
    if match is None:
        return False
    targets = [i for i in (data.index_of(o["code"]) for o in posting.get("occupations") or [])
               if i is not None]  # fmt: skip
    return any(data.similarity(t, i) >= RELATED_OCCUPATION for t in targets
               for i in match.occupations)  # fmt: skip


def _months(job: dict[str, Any], today: date) -> int:
    try:
        start = int(job["start"][:4]) * 12 + int(job["start"][5:7])
        end_text = job.get("end") or "present"
        end = (today.year * 12 + today.month if end_text == "present"
               else int(end_text[:4]) * 12 + int(end_text[5:7]))  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return 0
    return max(0, end - start + 1)


def relevant_years(
    profile: dict[str, Any], related: list[bool], occupation_closeness: float | None
) -> tuple[float | None, str]:
    """Years of experience in roles like the posted one, and how they were counted.

    Time in dated jobs counts fully in related jobs and at UNRELATED_YEAR_CREDIT in
    others. Stated years without dated jobs count by how close the CV's occupation is
    to the posted one (unknown occupation: half).
    """
    years = profile.get("total_years_experience")
    if years is None:
        return None, "no dates or stated years found"
    months = [_months(job, date.today()) for job in profile.get("experience") or []]
    if sum(months):
        share = sum(m for m, rel in zip(months, related, strict=True) if rel) / sum(months)
        how = f"{share:.0%} of dated time in roles like this one"
    else:
        share = 0.5 if occupation_closeness is None else occupation_closeness
        how = "stated years, weighed by how close the CV's occupation is"
    factor = share + UNRELATED_YEAR_CREDIT * (1.0 - share)
    return float(years) * factor, how
