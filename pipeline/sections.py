"""Split CV text into sections by their headings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Canonical section -> heading phrases (lower case, no punctuation).
HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": (
        "summary", "profile", "professional summary", "career summary", "objective",
        "career objective", "about me", "profile summary", "professional profile",
        "personal statement", "overview", "executive summary", "career profile", "about",
        "summary of qualifications", "qualifications summary", "professional highlights",
        "highlights", "career highlights", "profile summary", "synopsis",
    ),
    "experience": (
        "experience", "work experience", "professional experience", "employment history",
        "employment", "work history", "career history", "experience summary",
        "relevant experience", "professional background", "internships", "internship",
        "positions held", "career", "work", "professional experience summary",
        "company details", "work details", "employment details", "experience details",
        "professional details", "work experience details", "teaching experience",
        "research experience", "clinical experience", "leadership experience",
        "military experience", "relevant work experience", "career history details",
        "organisational experience", "organizational experience", "job history",
    ),
    "education": (
        "education", "academic background", "qualifications", "academic qualifications",
        "educational qualifications", "education and training", "academics",
        "educational background", "academic profile", "education details", "scholastics",
        "academic qualification", "educational qualification", "academic details",
        "educational details", "academic credentials", "qualification", "education summary",
        "relevant coursework", "academic record", "studies",
    ),
    "skills": (
        "skills", "technical skills", "key skills", "core skills", "core competencies",
        "competencies", "skills summary", "it skills", "areas of expertise", "expertise",
        "technologies", "tools", "skill set", "skillset", "technical proficiency",
        "software skills", "computer skills", "professional skills", "key competencies",
        "technical expertise", "tools and technologies", "skills and abilities",
        "additional skills", "technical summary", "soft skills", "non technical skills",
        "strengths", "specialties", "technical competencies", "core strengths", "keywords",
        "skill details", "technical skill set", "skills and expertise", "personal skills",
        "digital skills", "key skills and competencies", "technical skills summary",
        "computer proficiency", "it proficiency", "software proficiency", "tools and skills",
        "technical knowledge", "knowledge", "proficiencies", "capabilities",
    ),
    "projects": ("projects", "academic projects", "key projects", "personal projects", "project",
                 "project details", "projects undertaken", "major projects", "project profile"),
    "certifications": (
        "certifications", "certificates", "licenses", "licences", "certification",
        "licenses and certifications", "licences and certifications", "training",
        "courses", "professional development", "trainings", "accreditations",
        "certification details", "training and certifications", "courses and certifications",
        "certifications and trainings", "trainings attended", "workshops",
    ),
    "languages": ("languages", "language skills", "languages known", "language"),
    "personal": (
        "personal details", "personal information", "personal data", "personal profile",
        "personal info", "contact", "contact details", "contact information",
        "personal particulars", "contact info", "personal data sheet",
    ),
    "awards": ("awards", "achievements", "honors", "honours", "awards and achievements",
               "accomplishments", "publications"),
    "interests": ("interests", "hobbies", "hobbies and interests", "activities",
                  "extracurricular activities", "volunteering", "volunteer experience"),
    "references": ("references", "referees"),
    "additional": ("additional information", "other information", "declaration",
                   "miscellaneous", "other details"),
}  # fmt: skip
_PHRASE_TO_SECTION = {p: name for name, phrases in HEADINGS.items() for p in phrases}
# A heading glued to the end of the line before it: "...and Profiles. Education Details",
# "...Less than 1 year monthsCompany Details". Only headings of two or more words count,
# written in capitals or title case, after a sentence end or straight after a lower-case
# letter, so an ordinary sentence ending in "work experience" is left alone.
_GLUED_RE = re.compile(
    r"(?:(?<=[.!?)])\s*|(?<=[a-z]))(?P<heading>(?:"
    + "|".join(
        sorted(
            {
                variant
                for phrase in _PHRASE_TO_SECTION
                if " " in phrase and "and" not in phrase.split()
                for variant in (phrase.title(), phrase.upper())
            },
            key=len,
            reverse=True,
        )
    )
    + r"))\s*:?\s*$"
)
_GLUED_ENDINGS = frozenset(p.split()[-1] for p in _PHRASE_TO_SECTION if " " in p)
_CLEAN_RE = re.compile(r"[^a-z ]+")
_RULE_RE = re.compile(r"^\s*[-=_~*•.]{3,}\s*$")
# What decorates a heading at either end: whitespace, bullets, rules, colons. `str.strip`
# with these characters does what `^[\s#*•…:]+|[\s#*•…:]+$` would, several times faster.
_DECOR = "#*•▪■►❖-=_|:" + "".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())


# In a CV with capitalised headings, other headings inside these are sub-headings.
_BODY_SECTIONS = frozenset({"experience", "projects"})


@dataclass
class Section:
    name: str
    heading: str
    lines: list[str] = field(default_factory=list)
    start: int = 0  # index of its first content line in the CV's lines

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def heading_name(line: str, next_line: str = "") -> str | None:
    """The canonical section a heading line opens, or None when it is not a heading."""
    if len(line) > 80 and len(line.strip()) > 60:
        return None
    stripped = line.strip(_DECOR)
    if not stripped or len(stripped) > 45 or len(stripped.split()) > 6:
        return None
    key = " ".join(_CLEAN_RE.sub(" ", stripped.lower().replace("&", " and ")).split())
    section = _PHRASE_TO_SECTION.get(key) or _PHRASE_TO_SECTION.get(key.removeprefix("my "))
    if section is None and (stripped.isupper() or line.rstrip().endswith(":")):
        words = key.split()
        section = _PHRASE_TO_SECTION.get(words[-1]) if words and len(words) <= 4 else None
        if section in {"summary", "references", "additional", "personal"}:
            section = None
    if section is None:
        return None
    had_colon_content = ":" in line and line.split(":", 1)[1].strip()
    if had_colon_content:
        return None
    return section if stripped[:1].isupper() or bool(_RULE_RE.match(next_line)) else None


def _headings(lines: list[str]) -> dict[int, str]:
    """Heading lines by index. When a CV sets two or more headings in capitals, only
    capitalised lines count, so "Achievements:" inside a job does not end the section."""
    found: dict[int, str] = {}
    for index, line in enumerate(lines):
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        name = heading_name(line, next_line)
        if name is not None:
            found[index] = name
    caps = {i for i in found if lines[i].strip(_DECOR).isupper()}
    if len(caps) < 2:
        return found
    kept: dict[int, str] = {}
    current = "header"
    for index in sorted(found):
        if index not in caps and current in _BODY_SECTIONS and found[index] != "skills":
            continue  # a sub-heading inside a job or project description
        kept[index] = current = found[index]
    return kept


def unglue_headings(lines: list[str]) -> list[str]:
    """Lines with a heading glued to their end split in two (see `_GLUED_RE`)."""
    out: list[str] = []
    for line in lines:
        words = line.split()
        if len(words) > 2 and words[-1].rstrip(":").lower() in _GLUED_ENDINGS:
            match = _GLUED_RE.search(line)
            if match is not None and match.start("heading") > 0:
                out.append(line[: match.start("heading")].rstrip())
                out.append(match.group("heading"))
                continue
        out.append(line)
    return out


def split_sections(lines: list[str]) -> list[Section]:
    """Sections in order; text before the first heading is the "header" section."""
    sections = [Section("header", "", [], 0)]
    headings = _headings(lines)
    for index, line in enumerate(lines):
        if _RULE_RE.match(line):
            continue
        name = headings.get(index)
        if name is not None:
            sections.append(Section(name, line.strip(), [], index + 1))
        else:
            sections[-1].lines.append(line)
    return sections


def inline_section(line: str) -> tuple[str, str] | None:
    """("skills", "Python, SQL") for a line like "Skills: Python, SQL"."""
    if ":" not in line:
        return None
    head, rest = line.split(":", 1)
    name = heading_name(head + ":")
    if name is None or not rest.strip():
        return None
    return name, rest.strip()
