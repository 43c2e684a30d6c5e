"""Generate the ranking set: CVs per occupation with graded relevance per posting.

Usage: python bench/quality_set/build.py [--per 8] [--seed 7]

Writes cvs/*.txt and labels.json next to this file. Relevance for a posting:
2 = CV of the posting's occupation, 1 = same job family, 0 = anything else.
Names are made up from syllables; nothing here comes from real CVs.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_SYLLABLES = [
    "an",
    "bel",
    "cor",
    "da",
    "el",
    "fen",
    "gar",
    "hol",
    "is",
    "jor",
    "ka",
    "lin",
    "mor",
    "nel",
    "or",
    "pet",
    "quin",
    "ros",
    "sal",
    "tor",
    "ul",
    "ven",
    "wil",
    "zan",
]
_CITIES = [
    "Leeds, United Kingdom",
    "Austin, TX",
    "Pune, Maharashtra",
    "Toronto, ON",
    "Dublin, Ireland",
    "Manchester, UK",
    "Denver, CO",
    "Bengaluru, Karnataka",
]
_SOFT = [
    "Communication",
    "Teamwork",
    "Time Management",
    "Problem Solving",
    "Leadership",
    "Attention to Detail",
]
_EMPLOYER_SUFFIX = ["Ltd", "Group", "Inc", "LLP", "Services", "Partners", "Holdings"]
_EMPLOYER_STEM = [
    "Northwind",
    "Bluewave",
    "Harbor",
    "Crestline",
    "Oakridge",
    "Silverline",
    "Redstone",
    "Maple",
    "Summit",
    "Lakeside",
    "Everbright",
    "Ironbridge",
]
_HOBBIES = [
    "Running, chess and photography",
    "Cooking and travel",
    "Football, reading",
    "Hiking and volunteering at a food bank",
]


def _name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()

    return f"{word()} {word()}"


# Written the way candidates write them: aliases and abbreviations instead of canonical names.
ALIASES = {
    "PostgreSQL": "Postgres", "Kubernetes": "k8s", "Spring Boot": "SpringBoot",
    "JavaScript": "JS", "REST APIs": "RESTful services", "Search Engine Optimization": "SEO",
    "Applicant Tracking Systems": "ATS", "Electronic Health Records": "EHR",
    "Basic Life Support": "BLS", "Month-End Close": "month end closing",
    "Accounting": "Bookkeeping", "Recruitment": "Talent acquisition",
    "Legal Research": "Case law research", "Personal Training": "1:1 coaching",
    "Strength and Conditioning": "Strength training", "Machine Learning": "ML",
    "Scikit-learn": "sklearn", "Construction Management": "Site supervision",
}  # fmt: skip


def _job(spec: dict[str, Any], rng: random.Random, start: int, end: int | None,
         extra: list[str]) -> dict[str, Any]:  # fmt: skip
    bullets = rng.sample(spec["duties"], k=min(len(spec["duties"]), rng.randint(2, 4)))
    bullets += extra
    company = f"{rng.choice(_EMPLOYER_STEM)} {rng.choice(_EMPLOYER_SUFFIX)}"
    months = ["Jan", "Mar", "Apr", "Jun", "Sep", "Nov"]
    return {"title": rng.choice(spec["titles"]), "company": company,
            "start": f"{rng.choice(months)} {start}",
            "end": "Present" if end is None else f"{rng.choice(months)} {end}",
            "bullets": bullets}  # fmt: skip


def _mention(occ: str, all_specs: dict[str, Any], rng: random.Random) -> str | None:
    """Realistic cross-occupation wording, e.g. a recruiter who hired Java developers."""
    if rng.random() > 0.35:
        return None
    other = rng.choice([k for k in all_specs if k != occ])
    title = rng.choice(all_specs[other]["titles"])
    skill = rng.choice(all_specs[other]["skills"])
    return rng.choice([
        f"Worked closely with the {title} team on shared projects",
        f"Partnered with {title}s and picked up the basics of {skill}",
        f"Supported hiring of a {title} with {skill} background",
    ])  # fmt: skip


def make_cv(occ: str, specs: dict[str, Any], rng: random.Random) -> str:
    spec = specs[occ]
    skills = rng.sample(spec["skills"], k=rng.randint(min(4, len(spec["skills"])),
                                                      len(spec["skills"])))  # fmt: skip
    years = rng.randint(1, 14)
    end_year = 2024
    n_jobs = 1 if years < 3 else rng.randint(2, 3)
    bounds = sorted(rng.sample(range(end_year - years + 1, end_year), k=n_jobs - 1), reverse=True)
    flavour = rng.choice(spec["flavours"]) if spec.get("flavours") and rng.random() < 0.6 else []
    jobs, end = [], None
    for number, start in enumerate([*bounds, end_year - years]):
        mention = _mention(occ, specs, rng)
        extra = ([mention] if mention else []) + (flavour if number == 0 else [])
        jobs.append(_job(spec, rng, start, end, extra))
        end = start
    listed = [ALIASES[s] if s in ALIASES and rng.random() < 0.7 else s for s in skills]
    listed += rng.sample(_SOFT, k=2)
    return _layout(rng.randint(0, 2), spec, jobs, listed, years, rng)


def _layout(style: int, spec: dict[str, Any], jobs: list[dict[str, Any]], listed: list[str],
            years: int, rng: random.Random) -> str:  # fmt: skip
    name = _name(rng)
    email = f"{name.split()[0].lower()}.{rng.randint(10, 99)}@example.com"
    grad = int(jobs[-1]["start"].split()[-1]) - 1
    head = [
        name,
        f"{rng.choice(_CITIES)} | +1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        f" | {email}",
    ]
    summary = (f"{jobs[0]['title']} with {years} years of experience. "
               f"Strengths in {', '.join(listed[:3])}.")  # fmt: skip
    heads = [("SUMMARY", "EXPERIENCE", "EDUCATION", "SKILLS", "CERTIFICATIONS", "INTERESTS"),
             ("Profile:", "Work History:", "Education:", "Key Skills:", "Certifications:",
              "Hobbies:"),
             ("About Me", "Professional Experience", "Qualifications", "Core Competencies",
              "Licences", "Interests")][style]  # fmt: skip
    lines = [*head, "", heads[0], summary, "", heads[1]]
    for job in jobs:
        if style == 1:
            lines.append(f"{job['title']}, {job['company']} ({job['start']} - {job['end']})")
        else:
            lines += [job["title"], f"{job['company']} | {job['start']} \u2013 {job['end']}"]
        lines += [f"• {b}" for b in job["bullets"]] + [""]
    lines += [
        heads[2],
        rng.choice(spec["degrees"]),
        f"University of {rng.choice(_EMPLOYER_STEM)}, {grad}",
        "",
    ]
    sep = rng.choice([", ", " | ", "\n• "])
    lines += [heads[3], ("• " if sep.startswith("\n") else "") + sep.join(listed), ""]
    lines += [heads[4], rng.choice(spec["certs"]), "", heads[5], rng.choice(_HOBBIES)]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per", type=int, default=8, help="CVs per occupation")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    specs = json.loads((HERE / "occupations.json").read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    out = HERE / "cvs"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    cvs: dict[str, str] = {}
    for occ in specs:
        for index in range(args.per):
            cv_id = f"{occ}_{index:02d}"
            (out / f"{cv_id}.txt").write_text(make_cv(occ, specs, rng), encoding="utf-8")
            cvs[cv_id] = occ
    postings = json.loads((HERE / "postings.json").read_text(encoding="utf-8"))
    labels = {
        posting: {cv_id: 2 if occ == posting else int(specs[occ]["family"] == specs[posting]["family"])  # noqa: E501
                  for cv_id, occ in cvs.items()}
        for posting in postings
    }  # fmt: skip
    (HERE / "labels.json").write_text(json.dumps(labels, indent=0, sort_keys=True), "utf-8")
    print(f"wrote {len(cvs)} CVs; {len(postings)} postings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
