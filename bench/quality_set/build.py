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

import hard  # the sibling module; this file runs as a script

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


def _dates(n_jobs: int, years: int, end_year: int, rng: random.Random) -> list[tuple[str, str]]:
    """(start, end) labels of `n_jobs` back-to-back jobs covering `years`, newest first."""
    months = ["Jan", "Mar", "Apr", "Jun", "Sep", "Nov"]
    bounds = sorted(rng.sample(range(end_year - years + 1, end_year), k=n_jobs - 1), reverse=True)
    out, end = [], None
    for start in [*bounds, end_year - years]:
        out.append((f"{rng.choice(months)} {start}",
                    "Present" if end is None else f"{rng.choice(months)} {end}"))  # fmt: skip
        end = start
    return out


def _company(rng: random.Random) -> str:
    return f"{rng.choice(_EMPLOYER_STEM)} {rng.choice(_EMPLOYER_SUFFIX)}"


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


def _paraphrased(spec: dict[str, Any]) -> list[str]:
    """Duties that name none of the occupation's skills."""
    names = [s.lower() for s in spec["skills"]]
    return [d for d in spec["duties"] if not any(n in d.lower() for n in names)] or spec["duties"]


def _alias(skill: str, rng: random.Random, share: float = 0.7) -> str:
    return ALIASES[skill] if skill in ALIASES and rng.random() < share else skill


def make_cv(occ: str, specs: dict[str, Any], rng: random.Random, variant: str = "normal") -> str:
    """A CV of occupation `occ`: normal, terse, diluted (long unrelated text) or a switcher."""
    spec = specs[occ]
    skills = rng.sample(spec["skills"], k=rng.randint(min(4, len(spec["skills"])),
                                                      len(spec["skills"])))  # fmt: skip
    years = rng.randint(1, 14) if variant != "switcher" else rng.randint(1, 2)
    n_jobs = 1 if years < 3 else rng.randint(2, 3)
    flavour = rng.choice(spec["flavours"]) if spec.get("flavours") and rng.random() < 0.6 else []
    jobs = []
    for number, (start, end) in enumerate(_dates(n_jobs, years, 2024, rng)):
        if variant == "terse":
            bullets = rng.sample(_paraphrased(spec), k=min(2, len(_paraphrased(spec))))
        else:
            bullets = rng.sample(spec["duties"], k=min(len(spec["duties"]), rng.randint(2, 4)))
            mention = _mention(occ, specs, rng)
            bullets += ([mention] if mention else []) + (flavour if number == 0 else [])
        jobs.append({"title": rng.choice(spec["titles"]), "company": _company(rng),
                     "start": start, "end": end, "bullets": bullets})  # fmt: skip
    listed = [_alias(s, rng) for s in skills] + rng.sample(_SOFT, k=2)
    cv = {"jobs": jobs, "listed": listed, "years": years, "spec": spec}
    if variant == "terse":
        cv.update(listed=[_alias(s, rng, 1.0) for s in skills[: rng.randint(3, 5)]], summary="")
    elif variant == "diluted":
        cv["extra"] = [("Volunteering and interests", hard.filler(rng))]
    elif variant == "switcher":
        _add_previous_career(cv, occ, specs, rng)
    return _layout(rng.randint(0, 2), cv, rng)


def _add_previous_career(cv: dict[str, Any], occ: str, specs: dict[str, Any],
                         rng: random.Random) -> None:  # fmt: skip
    """Years in another occupation before the recent stint in this one."""
    before = specs[hard.switch_from(occ, specs, rng)]
    start_year = int(cv["jobs"][-1]["start"].split()[-1])
    more = rng.randint(3, 8)
    for start, end in _dates(rng.randint(1, 2), more, start_year, rng):
        cv["jobs"].append({"title": rng.choice(before["titles"]), "company": _company(rng),
                           "start": start, "end": end if end != "Present" else f"Jan {start_year}",
                           "bullets": rng.sample(before["duties"], k=3)})  # fmt: skip
    cv["listed"] += rng.sample(before["skills"], k=2)
    cv["years"] += more
    cv["summary"] = (f"{cv['jobs'][0]['title']} who moved over from a career as "
                     f"{cv['jobs'][-1]['title']}; {cv['years']} years of work in all.")  # fmt: skip


def make_stuffer(kind: str, target: str, specs: dict[str, Any],
                 rng: random.Random) -> tuple[str, str]:  # fmt: skip
    """(occupation, text) of a keyword-stuffed CV aimed at `target`'s posting."""
    occ, parts = hard.stuffer(kind, target, specs, rng)
    if kind == "neighbour":
        text = make_cv(occ, specs, rng)
        lines = text.rstrip("\n").split("\n")
        lines += ["", "Additional skills", ", ".join(parts["skills_extra"])]
        return occ, "\n".join(lines) + "\n"
    dates = _dates(len(parts["jobs"]), parts["years"], 2024, rng)
    jobs = [{"title": job["title"], "company": _company(rng), "start": start, "end": end,
             "bullets": job["bullets"]}
            for job, (start, end) in zip(parts["jobs"], dates, strict=True)]  # fmt: skip
    spec = specs.get(occ) or _GENERIC
    extra = [("Keywords", [parts["keywords"]])]
    if "course" in parts:
        extra.insert(0, ("Training", [parts["course"]]))
    cv = {"jobs": jobs, "listed": parts["skills"], "years": parts["years"], "spec": spec,
          "summary": parts["summary"], "extra": extra}  # fmt: skip
    return occ, _layout(rng.randint(0, 2), cv, rng)


_GENERIC = {"degrees": ["BA in Business Studies", "High School Diploma", "BA in English"],
            "certs": ["First Aid at Work"]}  # fmt: skip


def _layout(style: int, cv: dict[str, Any], rng: random.Random) -> str:
    jobs, listed, spec = cv["jobs"], cv["listed"], cv["spec"]
    name = _name(rng)
    email = f"{name.split()[0].lower()}.{rng.randint(10, 99)}@example.com"
    grad = int(jobs[-1]["start"].split()[-1]) - 1
    head = [
        name,
        f"{rng.choice(_CITIES)} | +1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        f" | {email}",
    ]
    summary = cv.get("summary", f"{jobs[0]['title']} with {cv['years']} years of experience. "
                                f"Strengths in {', '.join(listed[:3])}.")  # fmt: skip
    heads = [("SUMMARY", "EXPERIENCE", "EDUCATION", "SKILLS", "CERTIFICATIONS", "INTERESTS"),
             ("Profile:", "Work History:", "Education:", "Key Skills:", "Certifications:",
              "Hobbies:"),
             ("About Me", "Professional Experience", "Qualifications", "Core Competencies",
              "Licences", "Interests")][style]  # fmt: skip
    lines = [*head, ""] + ([heads[0], summary, ""] if summary else []) + [heads[1]]
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
    for heading, body in cv.get("extra", []):
        lines += ["", heading, *body]
    return "\n".join(lines) + "\n"


#: Own-occupation CV variants, by index within an occupation (cycled).
VARIANTS = ("normal", "normal", "normal", "terse", "terse", "diluted", "diluted", "switcher")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per", type=int, default=8, help="CVs per occupation")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    specs = json.loads((HERE / "occupations.json").read_text(encoding="utf-8"))
    postings = json.loads((HERE / "postings.json").read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    out = HERE / "cvs"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    cvs: dict[str, str] = {}
    for occ in specs:
        for index in range(args.per):
            cv_id = f"{occ}_{index:02d}"
            text = make_cv(occ, specs, rng, VARIANTS[index % len(VARIANTS)])
            (out / f"{cv_id}.txt").write_text(text, encoding="utf-8")
            cvs[cv_id] = occ
    for target in postings:
        for kind in hard.STUFFER_KINDS:
            occ, text = make_stuffer(kind, target, specs, rng)
            if occ == target:
                continue
            cv_id = f"z_{target}_{kind}"
            (out / f"{cv_id}.txt").write_text(text, encoding="utf-8")
            cvs[cv_id] = occ
    family = {**hard.EXTRA_FAMILIES, **{occ: spec["family"] for occ, spec in specs.items()}}
    labels = {
        posting: {cv_id: 2 if occ == posting else int(family[occ] == family[posting])
                  for cv_id, occ in cvs.items()}
        for posting in postings
    }  # fmt: skip
    (HERE / "labels.json").write_text(json.dumps(labels, indent=0, sort_keys=True), "utf-8")
    print(f"wrote {len(cvs)} CVs; {len(postings)} postings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
