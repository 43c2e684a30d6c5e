"""Parsing quality on the labelled DataTurks development set (used by bench/quality.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.dates import YEAR_RE
from pipeline.taxonomy import Taxonomy
from pipeline.types import Profile

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared/data/resumes/dataturks_dev.jsonl"
_SPLIT_RE = re.compile(r"[,\n•;|]+|\s{2,}")
_PAREN_RE = re.compile(r"\([^)]*\)")


def load_set(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    out = []
    for row in rows:
        labels: dict[str, list[str]] = {}
        for ann in row.get("annotation") or []:
            for label in ann.get("label") or []:
                for point in ann.get("points") or []:
                    labels.setdefault(label, []).append(point["text"].strip())
        out.append({"content": row["content"], "labels": labels})
    return out


def reference_date(text: str) -> date:
    """The set was collected around 2018-19: treat "Present" as the latest year in the CV."""
    years = [int(y) for y in YEAR_RE.findall(text) if int(y) <= 2025]
    return date(max(years), 12, 1) if years else date(2019, 1, 1)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9@./+]+", " ", text.lower()).split())


def _contact_ok(label: str, profile: Profile) -> bool:
    want = _norm(label.split("Indeed:")[-1]).replace("https ", "").replace("www.", "")
    have = [_norm(x) for x in [profile.email or "", profile.phone or "", *profile.links]]
    return any(want and (want in h or h.endswith(want.split(" ")[-1])) for h in have if h)


def _fuzzy_in(label: str, values: list[str]) -> bool:
    want = _norm(label)
    return any(want and (want in _norm(v) or (_norm(v) and _norm(v) in want)) for v in values)


def _skill_items(labels: list[str], taxonomy: Taxonomy) -> set[str]:
    items: set[str] = set()
    for text in labels:
        for raw in _SPLIT_RE.split(_PAREN_RE.sub("", text)):
            item = raw.strip(" -:.*").strip()
            if 0 < len(item) <= 40:
                canon = taxonomy.canonical(item)
                items.add((canon or item).lower())
    return items


def _labelled_years(stated: list[str] | None) -> float | None:
    """The labelled experience in years; a label such as "6 months" is half a year."""
    number = re.search(r"\d+(?:\.\d+)?", stated[0]) if stated else None
    if number is None:
        return None
    months_only = re.fullmatch(r"\s*\d+(?:\.\d+)?\s*months?\s*", stated[0] if stated else "", re.I)
    return float(number.group()) / (12 if months_only else 1)


def score_profile(row: dict[str, Any], profile: Profile, taxonomy: Taxonomy) -> dict[str, Any]:
    """Per-field outcomes for one resume: True/False, or None when the field is not labelled."""
    labels = row["labels"]
    out: dict[str, Any] = {}
    names = labels.get("Name")
    out["name"] = None if not names else _norm(profile.name or "") == _norm(names[0])
    emails = labels.get("Email Address")
    out["contact"] = None if not emails else _contact_ok(emails[0], profile)
    years = {int(y) for t in labels.get("Graduation Year", []) for y in YEAR_RE.findall(t)}
    got_years = {e["graduation_year"] for e in profile.education}
    out["graduation_year"] = None if not years else bool(years & got_years)
    degrees = labels.get("Degree")
    out["degree"] = (
        None
        if not degrees
        else any(_fuzzy_in(d, [e["degree"] for e in profile.education]) for d in degrees)
    )
    companies = {_norm(c) for c in labels.get("Companies worked at", [])}
    got = [e["company"] or "" for e in profile.experience]
    out["companies"] = (
        None if not companies else sum(_fuzzy_in(c, got) for c in companies) / len(companies)
    )
    wanted = _labelled_years(labels.get("Years of Experience"))
    out["years"] = (
        None
        if wanted is None
        else (
            profile.total_years_experience is not None
            and abs(profile.total_years_experience - wanted) <= 1
        )
    )
    items = _skill_items(labels.get("Skills", []), taxonomy)
    have = {s.lower() for s in profile.skills}
    out["skills"] = None if not items else sum(i in have for i in items) / len(items)
    return out


def evaluate(
    rows: list[dict[str, Any]],
    to_profile: Callable[[dict[str, Any]], Profile | None],
    taxonomy: Taxonomy,
) -> dict[str, dict[str, float | int]]:
    """Mean of each field over the resumes that label it (a failed file counts as wrong)."""
    totals: dict[str, list[float]] = {}
    for row in rows:
        profile = to_profile(row)
        result = score_profile(row, profile or Profile(), taxonomy)
        for field, value in result.items():
            if value is not None:
                totals.setdefault(field, []).append(float(value))
    return {f: {"score": round(sum(v) / len(v), 3), "n": len(v)} for f, v in totals.items()}
