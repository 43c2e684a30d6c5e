"""Build postings_onet.json: one posting per occupation written from O*NET.

Each occupation in `onet_map.json` names an O*NET-SOC code and a few technology skills
picked from that occupation's own list. The posting's title and description are the
occupation's O*NET title and description; its required skills are the picked names as
O*NET spells them ("Oracle Java", "Microsoft SQL Server Integration Services SSIS").

    python bench/real_set/build_onet.py [--onet ../shared/data/onet]

Includes information from the O*NET 29.2 Database by the U.S. Department of Labor,
Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ONET = HERE.parents[2] / "shared" / "data" / "onet"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def build(onet: Path) -> dict[str, dict[str, object]]:
    occupations = {r["O*NET-SOC Code"]: r for r in _rows(onet / "occupation_data.txt")}
    tools: dict[str, set[str]] = defaultdict(set)
    for row in _rows(onet / "technology_skills.txt"):
        tools[row["O*NET-SOC Code"]].add(row["Example"])
    mapping = json.loads((HERE / "onet_map.json").read_text(encoding="utf-8"))
    postings: dict[str, dict[str, object]] = {}
    for category, entry in mapping.items():
        code = entry["code"]
        unknown = [s for s in entry["skills"] if s not in tools[code]]
        if unknown:
            raise SystemExit(f"{category}: not in {code}'s technology skills: {unknown}")
        postings[category] = {
            "title": occupations[code]["Title"],
            "description": occupations[code]["Description"],
            "required_skills": entry["skills"],
            "onet_code": code,
        }
    return postings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--onet", type=Path, default=DEFAULT_ONET)
    args = parser.parse_args()
    postings = build(args.onet)
    out = HERE / "postings_onet.json"
    out.write_text(json.dumps(postings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(postings)} postings to {out}")


if __name__ == "__main__":
    main()
