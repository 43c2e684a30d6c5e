"""parse_cv: turn CV text into a :class:`Profile`."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from pipeline import contact
from pipeline.dates import total_years
from pipeline.education import find_degree, parse_education
from pipeline.experience import Job, parse_jobs
from pipeline.protected import GENDERED_WORDS, parse_protected, strip_protected
from pipeline.relevance import text_terms, tokenize
from pipeline.roles import find_role_titles, infer_occupations, reads_as_role
from pipeline.sections import Section, inline_section, split_sections, unglue_headings
from pipeline.skills import LineInfo, collect_skills
from pipeline.taxonomy import Taxonomy, get_taxonomy
from pipeline.types import MAX_PROFILE_TEXT, Profile, empty_protected

logger = logging.getLogger(__name__)

_STATED_YEARS_RE = re.compile(
    r"(?P<n>\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)(?:\s+and\s+\d+\s+months?)?\s+(?:of\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:experience|exp\b)",
    re.IGNORECASE,
)
# "total work experience of 2.5 years", "Total IT experience: 4 yrs", "experience - 6+ years"
_STATED_AFTER_RE = re.compile(
    r"\bexperience\s*(?:of|:|-|\u2013)\s*(?:about\s+|around\s+|over\s+|nearly\s+|"
    r"more than\s+|almost\s+)?(?P<n>\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)\b",
    re.IGNORECASE,
)
_STATED_MONTHS_RE = re.compile(
    r"(?P<n>\d{1,2})\s*months?\s+(?:of\s+)?(?:[\w-]+\s+){0,3}?experience", re.IGNORECASE
)
# "... 2 years and 6 months experience": those months belong to the years before them
# (checked on the few matches, not as a lookbehind tried at every character).
_AND_BEFORE_RE = re.compile(r"(?:^|\W)and\s$", re.IGNORECASE)
_LANGUAGE_RE = re.compile(
    r"\b(English|Hindi|French|German|Spanish|Italian|Portuguese|Mandarin|Chinese|Japanese|"
    r"Korean|Arabic|Russian|Dutch|Polish|Turkish|Tamil|Telugu|Kannada|Marathi|Bengali|"
    r"Gujarati|Malayalam|Punjabi|Urdu|Swedish|Norwegian|Danish|Greek|Hebrew|Vietnamese|Thai|"
    r"Indonesian|Malay|Tagalog|Swahili|Romanian|Czech|Hungarian|Ukrainian|Persian|Farsi)\b"
)
_CERT_HINT_RE = re.compile(r"\b(?:certified|certification|certificate|licen[cs]ed?)\b", re.I)


def parse_cv(text: str, *, taxonomy: Taxonomy | None = None, today: date | None = None) -> Profile:
    """Parse CV text into a profile; never raises on odd input."""
    taxonomy = taxonomy or get_taxonomy()
    today = today or date.today()
    lines = unglue_headings([line.rstrip() for line in text.splitlines()])
    sections = split_sections(lines)
    jobs = _jobs(sections)
    infos = _line_infos(sections, jobs, today)
    skills, evidence = collect_skills(infos, taxonomy)
    head = [ln for ln in lines[:15] if ln.strip()]
    name = contact.find_name([ln for ln in head if not reads_as_role(ln)])
    protected = empty_protected()
    protected.update(parse_protected(text, today))
    experience = [_job_dict(job) for job in jobs]
    location = contact.find_location(head + _section_lines(sections, "personal"))
    in_jobs = {(job[key] or "").lower() for job in experience for key in ("title", "company")}
    role_titles = [t for t in find_role_titles(sections, name) if t.lower() not in in_jobs]
    return Profile(
        name=name,
        email=contact.find_email(text),
        phone=contact.find_phone(lines[:60]),
        links=contact.find_links(text),
        location=location,
        summary=_summary(sections),
        skills=skills,
        skill_evidence=evidence,
        experience=experience,
        total_years_experience=_total_years(jobs, text, today),
        education=_education(sections, lines),
        languages=_languages(sections),
        certifications=_certifications(sections),
        protected=protected,
        text_terms=_text_terms(text, name, location, skills),
        headline=role_titles[0] if role_titles else None,
        role_titles=role_titles,
        occupations=infer_occupations(role_titles, recent_titles(experience)),
    )


def recent_titles(experience: list[dict[str, Any]]) -> list[str]:
    """Job titles, the current or most recent job first."""
    jobs = [j for j in experience if j.get("title")]
    jobs.sort(key=lambda j: ("9999" if j.get("end") == "present" else j.get("end") or ""),
              reverse=True)  # fmt: skip
    return [j["title"] for j in jobs]


def _text_terms(
    text: str, name: str | None, location: str | None, skills: list[str]
) -> dict[str, int]:
    """Relevance terms without protected attributes, gendered words, the name, contact
    details (emails, links) or the address: none of them may move a score."""
    drop = GENDERED_WORDS | frozenset(tokenize(name or ""))
    body = strip_protected(text[:MAX_PROFILE_TEXT])
    if location:  # where it is written as the address; "University of Leeds" stays
        body = body.replace(location, " ")
    body = contact.strip_contact(body)
    return text_terms(body, skills, drop)


def _section_lines(sections: list[Section], name: str) -> list[str]:
    return [line for s in sections if s.name == name for line in s.lines]


def _jobs(sections: list[Section]) -> list[Job]:
    experience = [i for i, s in enumerate(sections) if s.name == "experience"]
    if experience:
        return [job for i in experience for job in parse_jobs(sections[i].lines, section=i)]
    # No experience heading: take dated lines outside education and header blocks.
    skip = {"education", "certifications", "personal"}
    pool = [i for i, s in enumerate(sections) if s.name not in skip]
    jobs = [job for i in pool for job in parse_jobs(sections[i].lines, section=i)]
    return [job for job in jobs if job.title or job.company]


def _line_infos(sections: list[Section], jobs: list[Job], today: date) -> list[LineInfo]:
    infos: list[LineInfo] = []
    for number, section in enumerate(sections):
        own = [(j.line, i) for i, j in enumerate(jobs) if j.section == number]
        own.sort()
        for index, line in enumerate(section.lines):
            inline = inline_section(line)
            name = inline[0] if inline else section.name
            job = None
            if own and section.name == "experience":
                current = [i for mark, i in own if mark <= index + 1]
                job = current[-1] if current else own[0][1]
            end_year = None if job is None else (jobs[job].dates.end or (today.year, 0))[0]
            infos.append(LineInfo(line, name, end_year, job))
    return infos


def _job_dict(job: Job) -> dict[str, Any]:
    return {
        "title": job.title,
        "company": job.company,
        "start": job.dates.start_str(),
        "end": job.dates.end_str(),
    }


def _total_years(jobs: list[Job], text: str, today: date) -> float | None:
    """Union of job ranges; a larger stated "N years of experience" wins (CVs often list
    only recent roles)."""
    years = total_years([job.dates for job in jobs], today)
    stated = [float(m.group("n")) for m in _STATED_YEARS_RE.finditer(text)]
    stated += [float(m.group("n")) for m in _STATED_AFTER_RE.finditer(text)]
    if "month" in text.lower():  # the months pattern cannot match otherwise
        stated += [
            int(m.group("n")) / 12
            for m in _STATED_MONTHS_RE.finditer(text)
            if not _AND_BEFORE_RE.search(text[max(0, m.start() - 5) : m.start()])
        ]
    stated = [value for value in stated if value < 50]
    best_stated = round(max(stated), 1) if stated else None
    if years and (best_stated is None or best_stated <= years):
        return years
    return best_stated if best_stated is not None else years


def _summary(sections: list[Section]) -> str | None:
    for section in sections:
        if section.name == "summary":
            text = " ".join(" ".join(section.lines).split())
            return text[:600] or None
    return None


def _education(sections: list[Section], lines: list[str]) -> list[dict[str, Any]]:
    body = _section_lines(sections, "education")
    entries = parse_education(body) if body else []
    if not entries:
        entries = parse_education([ln for ln in lines if len(ln) < 160])
    return entries


def _languages(sections: list[Section]) -> list[str]:
    found: list[str] = []
    pool = _section_lines(sections, "languages")
    pool += [i[1] for s in sections for ln in s.lines if (i := inline_section(ln))
             and i[0] == "languages"]  # fmt: skip
    for line in pool:
        for match in _LANGUAGE_RE.finditer(line):
            if match.group(1) not in found:
                found.append(match.group(1))
    return found


def _certifications(sections: list[Section]) -> list[str]:
    certs: list[str] = []
    for line in _section_lines(sections, "certifications"):
        text = " ".join(line.strip(" •-*▪").split())
        if 3 <= len(text) <= 160 and not find_degree(text):
            certs.append(text)
    for section in sections:
        if section.name in {"certifications", "education", "experience", "projects"}:
            continue
        for line in section.lines:
            text = " ".join(line.strip(" •-*▪").split())
            if _CERT_HINT_RE.search(text) and len(text) <= 80 and text not in certs:
                certs.append(text)
    return certs[:20]
