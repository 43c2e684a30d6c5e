"""Build pipeline/data/taxonomy.json from O*NET technology skills and curated skills.

Usage: python scripts/build_taxonomy.py [path/to/technology_skills.txt]

Besides the technology names, the fields of work that O*NET job titles name before
their role noun become skills of their occupation group ("Accounts Payable Clerk",
"Recruiting Coordinator", "Power Systems Engineer"): the non-technical families
(sales, recruiting, teaching, clinical, legal, engineering disciplines...) that the
technology lists lack. A phrase counts when at least FIELD_MIN_TITLES titles use it
and no more than FIELD_MAX_OCCUPATIONS occupations; a single word only when it names
an activity or discipline (-ing, -ment, -tion, -ology...), and then only in a skills
context, since a lone word ("drawing", "billing") is often something else.

This product includes information from the O*NET 29.2 Database by the U.S. Department
of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0
license.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.taxonomy import normalize  # noqa: E402

DEFAULT_ONET = ROOT.parent / "shared" / "data" / "onet" / "technology_skills.txt"
CURATED = ROOT / "pipeline" / "data" / "curated_skills.txt"
FIELD_MIN_TITLES = 4
FIELD_MAX_OCCUPATIONS = 30
_FIELD_STOP = frozenset(
    """senior junior lead chief head assistant associate general staff principal deputy master
    apprentice trainee intern entry level i ii iii iv v certified licensed registered
    professional of and the for in at a an to with on or""".split()
)
_ACTIVITY_RE = re.compile(r"(?:ing|ment|tion|sion|ance|ence|ics|ology|ogy|ship|ism|ure)$")
#: SOC major groups, the category of a field of work
MAJOR_GROUPS = {
    "11": "Management", "13": "Business and financial operations",
    "15": "Computer and mathematical", "17": "Architecture and engineering",
    "19": "Life, physical, and social science", "21": "Community and social service",
    "23": "Legal", "25": "Educational instruction and library",
    "27": "Arts, design, entertainment, sports, and media",
    "29": "Healthcare practitioners and technical", "31": "Healthcare support",
    "33": "Protective service", "35": "Food preparation and serving",
    "37": "Building and grounds cleaning and maintenance", "39": "Personal care and service",
    "41": "Sales and related", "43": "Office and administrative support",
    "45": "Farming, fishing, and forestry", "47": "Construction and extraction",
    "49": "Installation, maintenance, and repair", "51": "Production",
    "53": "Transportation and material moving", "55": "Military specific",
}  # fmt: skip
OUTPUT = ROOT / "pipeline" / "data" / "taxonomy.json"

VENDORS = (
    "Microsoft", "Oracle", "Apache", "Adobe", "IBM", "Google", "Amazon", "Atlassian",
    "Autodesk", "Intuit", "SAS", "Salesforce", "Red Hat", "Bentley", "Dassault Systemes",
)  # fmt: skip
# Remainders too generic to stand alone once the vendor is stripped.
GENERIC = {
    "access", "word", "project", "teams", "office", "publisher", "database", "dynamics",
    "windows", "server", "cloud", "forms", "sites", "analytics", "docs", "drive", "reports",
    "workflow", "mail", "calendar", "maps", "earth", "search", "ads", "web services",
}  # fmt: skip
_PLAIN_WORD = re.compile(r"^[A-Z]?[a-z]+$|^[A-Z]{2,6}$")


def canonical_onet(name: str) -> tuple[str, list[str]]:
    """The display name for an O*NET example and extra aliases for it."""
    aliases = [name]
    for vendor in VENDORS:
        prefix = vendor + " "
        if name.startswith(prefix):
            rest = name[len(prefix) :].strip()
            if rest and rest.lower() not in GENERIC:
                aliases.append(rest)
                return rest, aliases
    return name, aliases


def is_generic_category(name: str) -> bool:
    words = name.split()
    return len(words) > 1 and words[-1] in {"software", "programs", "tools"} and name[1:].islower()


def load_curated(path: Path) -> list[tuple[str, str, list[tuple[str, bool]]]]:
    """(category, canonical, [(alias, ambiguous)]) rows from the curated file."""
    rows: list[tuple[str, str, list[tuple[str, bool]]]] = []
    category = "General"
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("##"):
            category = line.lstrip("# ").strip()
            continue
        if not line or line.startswith("#"):
            continue
        names = [part.strip() for part in line.split("|") if part.strip()]
        entries = [(n.lstrip("?"), n.startswith("?")) for n in names]
        rows.append((category, entries[0][0], entries))
    return rows


def build(onet_path: Path) -> dict[str, object]:
    skills: dict[str, dict[str, object]] = {}
    aliases: dict[str, str] = {}
    ambiguous: set[str] = set()
    for category, canonical, entries in load_curated(CURATED):
        skills[canonical] = {"category": category, "source": "curated"}
        for alias, is_ambiguous in entries:
            key = normalize(alias)
            aliases[key] = canonical
            if is_ambiguous:
                ambiguous.add(key)
    users: dict[str, set[str]] = {}
    with onet_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            canonical = _add_onet(row, skills, aliases, ambiguous)
            if canonical is not None:
                users.setdefault(canonical, set()).add(row["O*NET-SOC Code"])
    for canonical, codes in users.items():
        skills[canonical]["occupations"] = len(codes)
    _add_fields(onet_path.parent, skills, aliases, ambiguous)
    return {
        "version": 1,
        "attribution": "This product includes information from the O*NET 29.2 Database by the "
        "U.S. Department of Labor, Employment and Training Administration (USDOL/ETA). "
        "Used under the CC BY 4.0 license.",
        "skills": dict(sorted(skills.items())),
        "aliases": dict(sorted(aliases.items())),
        "ambiguous": sorted(ambiguous),
    }


def _add_onet(
    row: dict[str, str],
    skills: dict[str, dict[str, object]],
    aliases: dict[str, str],
    ambiguous: set[str],
) -> str | None:
    """Add one O*NET row; the canonical skill it names, or None for a generic category."""
    name = row["Example"].strip()
    if not name or is_generic_category(name):
        return None
    canonical, names = canonical_onet(name)
    existing = (aliases.get(normalize(canonical)) or aliases.get(normalize(name))
                or _known_acronym(name, skills, aliases))  # fmt: skip
    if existing is not None:
        canonical = existing
    elif canonical not in skills:
        skills[canonical] = {"category": row["Commodity Title"], "source": "onet"}
    if row.get("Hot Technology") == "Y":
        skills[canonical]["hot"] = True
    for alias in names:
        key = normalize(alias)
        if not key or key in aliases:
            continue
        aliases[key] = canonical
        if len(key) <= 2 or (" " not in key and _PLAIN_WORD.match(alias)):
            ambiguous.add(key)
    return canonical


def _field_phrases(onet: Path) -> dict[str, tuple[int, set[str]]]:
    """Field-of-work phrases of O*NET titles: phrase -> (titles using it, occupation codes)."""
    rows: list[tuple[str, str]] = []
    with (onet / "alternate_titles.txt").open(encoding="utf-8") as handle:
        rows += [(r["O*NET-SOC Code"], r["Alternate Title"])
                 for r in csv.DictReader(handle, delimiter="\t")]  # fmt: skip
    with (onet / "occupation_data.txt").open(encoding="utf-8") as handle:
        rows += [(r["O*NET-SOC Code"], r["Title"]) for r in csv.DictReader(handle, delimiter="\t")]
    found: dict[str, tuple[int, set[str]]] = {}
    for code, title in rows:
        words = re.sub(r"\(.*?\)", " ", title).replace(",", " ").split()[:-1]
        while words and words[0].lower() in _FIELD_STOP:
            words = words[1:]
        if not 1 <= len(words) <= 3 or any(not w.isalpha() or w.lower() in _FIELD_STOP
                                           for w in words):  # fmt: skip
            continue
        phrase = " ".join(w.lower() for w in words)
        count, codes = found.get(phrase, (0, set()))
        found[phrase] = (count + 1, codes | {code})
    return found


def _add_fields(
    onet: Path,
    skills: dict[str, dict[str, object]],
    aliases: dict[str, str],
    ambiguous: set[str],
) -> None:
    for phrase, (count, codes) in sorted(_field_phrases(onet).items()):
        single = " " not in phrase
        if count < FIELD_MIN_TITLES or len(codes) > FIELD_MAX_OCCUPATIONS:
            continue
        if single and not _ACTIVITY_RE.search(phrase):
            continue
        key = normalize(phrase)
        if key in aliases:
            continue
        name = phrase.title() if not single else phrase.capitalize()
        groups = Counter(code[:2] for code in codes)
        group = min(groups, key=lambda g: (-groups[g], g))  # the commonest; ties by code
        skills[name] = {"category": MAJOR_GROUPS.get(group, "Other"), "source": "onet-title",
                        "occupations": len(codes)}  # fmt: skip
        aliases[key] = name
        if single:
            ambiguous.add(key)


_ACRONYM_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,5})(?:\s+software)?$")


def _known_acronym(
    name: str, skills: dict[str, dict[str, object]], aliases: dict[str, str]
) -> str | None:
    """The curated skill an O*NET name spells out and then abbreviates:
    "Structured query language SQL" is SQL, "Microsoft SQL Server Integration Services
    SSIS" is SSIS."""
    match = _ACRONYM_RE.search(name)
    if match is None or match.start() == 0:
        return None
    acronym = match.group(1)
    found = aliases.get(normalize(acronym))
    if found is None or skills.get(found, {}).get("source") != "curated":
        return None
    if found != acronym:
        return None  # "REACT" spelled out is not React: only a skill named by the acronym
    words = re.findall(r"[A-Za-z0-9]+", name[: match.start()])
    return found if _spells(acronym.lower(), [w.lower() for w in words]) else None


def _spells(acronym: str, words: list[str]) -> bool:
    """Whether `acronym` is made of prefixes of the last few `words`, in order:
    "html" of hypertext markup language, "ssis" of sql server integration services."""
    if not acronym:
        return True
    if not words:
        return False
    last = words[-1]
    return any(acronym.endswith(last[:n]) and _spells(acronym[: -n], words[:-1])
               for n in range(1, min(len(last), len(acronym)) + 1))  # fmt: skip


def main(argv: list[str]) -> int:
    onet_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_ONET
    data = build(onet_path)
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    skills = data["skills"]
    count = len(skills) if isinstance(skills, dict) else 0
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes, {count} skills)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
