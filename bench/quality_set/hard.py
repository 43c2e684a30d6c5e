"""Hard cases for the ranking set, the kind a recruiter's inbox is full of.

- Keyword stuffers: a CV of another occupation (a recruiter who hires for the role, a
  salesperson who sells to it, a trainer who teaches its tools, a career changer with a
  short course, a colleague from the same family) whose skills or keywords section lists
  most of the posting's skills while its jobs are in that other occupation.
- Own-occupation CVs written tersely (aliases, paraphrased duties, few listed skills) or
  padded with long unrelated text (volunteering, interests, a personal statement).
- Switchers: a recent, short stint in the occupation after years in another one.

Every CV is graded by its own occupation only. Everything is made up from templates.
"""

from __future__ import annotations

import random
from typing import Any

#: Occupations that appear only in hard cases (no posting, no regular CVs).
EXTRA_FAMILIES = {"trainer": "education", "retail_assistant": "retail"}
STUFFER_KINDS = ("recruiter", "sales", "trainer", "changer", "neighbour")

_DOMAIN = {
    "software": "IT", "legal": "Legal", "sales_marketing": "Sales and Marketing",
    "hr": "HR", "construction": "Construction", "health": "Healthcare",
    "fitness": "Leisure", "finance": "Finance",
}  # fmt: skip
_KIND_JOBS: dict[str, dict[str, Any]] = {
    "recruiter": {
        "occupation": "recruiter",
        "titles": ["{domain} Recruiter", "Recruitment Consultant ({domain})",
                   "Talent Acquisition Partner"],
        "bullets": ["Placed {n} {role}s with {s0}, {s1} and {s2} experience",
                    "Screened candidates on {s3} and {s4} before client interviews",
                    "Managed the full hiring process for {domain} clients",
                    "Wrote job adverts and sourced candidates on LinkedIn",
                    "Learned the basics of {s5} to assess candidates better"],
        "own": ["Recruitment", "Sourcing", "Interviewing", "Applicant Tracking Systems"],
        "label": "Specialist knowledge", "summary": "hiring {role}s for {domain} clients",
    },
    "sales": {
        "occupation": "sales_rep",
        "titles": ["Account Executive", "Sales Representative", "Business Development Manager"],
        "bullets": ["Sold software and services to {role}s and their managers",
                    "Ran product demos covering {s0}, {s1} and {s2}",
                    "Hit {n}% of quota selling into {domain} teams",
                    "Trained client teams on {s3} and {s4} during onboarding",
                    "Kept the CRM pipeline up to date and forecast monthly"],
        "own": ["Salesforce", "Lead Generation", "Cold Calling", "Negotiation"],
        "label": "Product knowledge", "summary": "selling to {role}s and their managers",
    },
    "trainer": {
        "occupation": "trainer",
        "titles": ["Learning and Development Trainer", "Training Consultant",
                   "Corporate Trainer"],
        "bullets": ["Delivered workshops introducing {s0}, {s1} and {s2} to staff",
                    "Wrote e-learning modules on {s3} and {s4}",
                    "Ran induction training for {n} new {role}s",
                    "Evaluated courses with surveys and improved them",
                    "Coached managers on giving feedback"],
        "own": ["Training Delivery", "Instructional Design", "Presentation Skills"],
        "label": "Topics taught", "summary": "training {role}s and their teams",
    },
    "changer": {
        "occupation": "retail_assistant",
        "titles": ["Retail Sales Assistant", "Store Supervisor", "Customer Service Advisor"],
        "bullets": ["Served up to {n} customers a day at the tills",
                    "Handled returns, complaints and stock counts",
                    "Trained new starters on the store routines",
                    "Opened and closed the shop and cashed up"],
        "own": ["Customer Service", "Cash Handling"],
        "label": "Keywords",
    },
}  # fmt: skip
_FILLER = [
    "I volunteer every weekend at a community garden, where I plan planting, lead groups of "
    "new volunteers and run the seed swap each spring.",
    "Outside work I sing in a choir that performs at local festivals and charity concerts "
    "several times a year.",
    "I have travelled across South America and South East Asia, and I keep a travel blog "
    "with photos, maps and notes on local food.",
    "I coach an under-12 football team on Saturday mornings and organise the end of season "
    "tournament and awards evening.",
    "As treasurer of the neighbourhood association I helped raise money to restore the old "
    "library and the playground.",
    "I enjoy long-distance cycling and rode from London to Paris for a children's hospital "
    "charity.",
    "I am learning to play the piano and the cello, and I take part in an amateur orchestra "
    "that rehearses on Thursday evenings.",
    "Reading is my way to relax: mostly history, biographies and science fiction, and I run "
    "a monthly book club at the local cafe.",
    "I bake bread and pastries, and I sell them at the village market to raise money for "
    "the animal shelter.",
    "I have walked parts of the Camino de Santiago and the West Highland Way with friends "
    "and family.",
    "I mentor teenagers from my old school through a charity programme that helps them "
    "prepare for interviews and exams.",
    "I am a keen gardener, birdwatcher and amateur photographer, and my pictures of local "
    "wildlife were shown at the town hall.",
]


def _fill(template: str, target: dict[str, Any], skills: list[str],
          rng: random.Random) -> str:  # fmt: skip
    picked = {f"s{i}": skills[i % len(skills)] for i in range(6)}
    return template.format(domain=_DOMAIN.get(target["family"], "business"),
                           role=rng.choice(target["titles"]), n=rng.randint(12, 60),
                           **picked)  # fmt: skip


def stuffer(kind: str, target_occ: str, specs: dict[str, Any],
            rng: random.Random) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """(occupation, CV parts) of a keyword-stuffed CV of `kind` aimed at `target_occ`."""
    target = specs[target_occ]
    skills = rng.sample(target["skills"], k=max(4, round(len(target["skills"]) * 0.8)))
    if kind == "neighbour":
        mates = [o for o, s in specs.items() if s["family"] == target["family"] and o != target_occ]
        occ = rng.choice(mates)
        return occ, {"skills_extra": skills, "summary_skills": skills[:4]}
    spec = _KIND_JOBS[kind]
    years = rng.randint(2, 9)
    jobs = []
    for number in range(2 if years > 3 else 1):
        bullets = [_fill(b, target, skills, rng) for b in rng.sample(spec["bullets"], k=3)]
        jobs.append({"title": _fill(rng.choice(spec["titles"]), target, skills, rng),
                     "bullets": bullets, "years": years if number else min(years, 3)})  # fmt: skip
    role = rng.choice(target["titles"])
    if kind != "changer":
        summary = (f"{jobs[0]['title']} with {years} years of experience "
                   f"{_fill(spec['summary'], target, skills, rng)}. "
                   f"Strong knowledge of {', '.join(skills[:4])}.")  # fmt: skip
    else:
        summary = (f"Motivated career changer looking for my first role as a {role}. "
                   f"Completed a 12-week course covering {', '.join(skills[:5])}.")  # fmt: skip
    parts = {"jobs": jobs, "summary": summary, "skills": spec["own"] + skills,
             "keywords": f"{spec['label']}: {', '.join(skills)}", "years": years}  # fmt: skip
    if kind == "changer":
        parts["course"] = f"{role} course, online academy, 2024 (projects using {skills[0]})"
    return spec["occupation"], parts


def filler(rng: random.Random) -> list[str]:
    """Several paragraphs of unrelated text (volunteering, interests)."""
    return rng.sample(_FILLER, k=rng.randint(6, 9))


def switch_from(occ: str, specs: dict[str, Any], rng: random.Random) -> str:
    """Another occupation, in another family, that a switcher came from."""
    return rng.choice([o for o, s in specs.items() if s["family"] != specs[occ]["family"]])
