"""The shipped taxonomy and occupation title index are what their build scripts make
from the O*NET files (run the scripts after changing them or the normalisation)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import build_occupations  # noqa: E402
import build_taxonomy  # noqa: E402

ONET = ROOT.parent / "shared" / "data" / "onet"
needs_onet = pytest.mark.skipif(
    not (ONET / "occupation_data.txt").exists(),
    reason=f"the O*NET files are not at {ONET}; the shipped data files are not rechecked",
)


@needs_onet
def test_taxonomy_is_built_from_the_current_sources() -> None:
    shipped = json.loads(build_taxonomy.OUTPUT.read_text(encoding="utf-8"))
    assert build_taxonomy.build(ONET / "technology_skills.txt") == shipped


@needs_onet
def test_occupation_title_index_is_built_from_the_current_sources() -> None:
    occupations = build_occupations._rows(ONET / "occupation_data.txt")
    titles, heads = build_occupations._title_index(occupations, build_occupations._titles(ONET))
    lines = [f"{key}\t{','.join(str(i) for i in members)}" for key, members in titles]
    shipped = build_occupations.TITLES_OUTPUT.read_text(encoding="utf-8").splitlines()
    assert lines == shipped
    data = json.loads(build_occupations.OUTPUT.read_text(encoding="utf-8"))
    assert data["heads"] == heads
    assert data["occupations"] == [[r["O*NET-SOC Code"], r["Title"]] for r in occupations]
