"""Build pipeline/data/occupations.json from the O*NET occupation files.

Usage: python scripts/build_occupations.py [path/to/onet/folder]

Reads `occupation_data.txt` (code, title, description), `alternate_titles.txt` and
`technology_skills.txt`, and writes two files:
- `occupation_titles.tsv`: one line per title and alternate title of at most
  MAX_TITLE_TOKENS tokens whose last token is a role noun: its role noun, its other
  normalised tokens (sorted), a tab, and the indices of the occupations it names;
- `occupations.json`: `occupations` ([code, title], its position is its index), `heads`
  (the role nouns: last tokens that end at least three titles) and `neighbours`: for
  each occupation, the occupations closest to it with a closeness of 0-1, the larger of
  their place in the SOC hierarchy (same broad occupation 0.5, minor group 0.3, major
  group 0.15) and twice the cosine of their TF-IDF term vectors (title, alternate titles,
  description and technology skills), capped at 1.

Needs NumPy (requirements-bench.txt) for the pairwise cosines.

This product includes information from the O*NET 29.2 Database by the U.S. Department
of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0
license.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.occupations import MAX_TITLE_TOKENS, title_tokens  # noqa: E402
from pipeline.relevance import tokenize  # noqa: E402

DEFAULT_ONET = ROOT.parent / "shared" / "data" / "onet"
OUTPUT = ROOT / "pipeline" / "data" / "occupations.json"
TITLES_OUTPUT = ROOT / "pipeline" / "data" / "occupation_titles.tsv"
MIN_HEAD_TITLES = 3
#: how much each source adds to an occupation's term counts
WEIGHTS = {"title": 2.0, "alternate": 0.2, "description": 3.0, "technology": 0.3}
#: closeness by the longest shared prefix of two SOC codes ("15-125", "15-12", "15")
HIERARCHY = ((6, 0.5), (5, 0.3), (2, 0.15))
NEIGHBOURS = 60
MIN_CLOSENESS = 0.1


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _titles(onet: Path) -> dict[str, list[str]]:
    titles: dict[str, list[str]] = defaultdict(list)
    for row in _rows(onet / "alternate_titles.txt"):
        titles[row["O*NET-SOC Code"]].append(row["Alternate Title"])
        if row.get("Short Title") and row["Short Title"] != "n/a":
            titles[row["O*NET-SOC Code"]].append(row["Short Title"])
    return titles


def _title_index(occupations: list[dict[str, str]], alternates: dict[str, list[str]]
                 ) -> tuple[list[list[object]], list[str]]:  # fmt: skip
    keys: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for index, row in enumerate(occupations):
        for title in [row["Title"], *alternates[row["O*NET-SOC Code"]]]:
            tokens = tuple(sorted(set(title_tokens(title))))
            ordered = title_tokens(title)
            if tokens and len(tokens) <= MAX_TITLE_TOKENS:
                keys[(*tokens, "\0" + ordered[-1])].add(index)
    last = Counter(key[-1][1:] for key in keys)
    heads = sorted(token for token, count in last.items() if count >= MIN_HEAD_TITLES)
    head_set = set(heads)
    merged: dict[str, set[int]] = defaultdict(set)
    for key, members in keys.items():
        head = key[-1][1:]
        if head in head_set:
            merged[" ".join([head, *(t for t in key[:-1] if t != head)])] |= members
    entries: list[list[object]] = [[key, sorted(members)]
                                   for key, members in sorted(merged.items())]  # fmt: skip
    return entries, heads


def _term_counts(occupations: list[dict[str, str]], alternates: dict[str, list[str]],
                 technology: dict[str, list[str]]) -> list[Counter[str]]:  # fmt: skip
    counts: list[Counter[str]] = []
    for row in occupations:
        code = row["O*NET-SOC Code"]
        count: Counter[str] = Counter()
        for term in tokenize(row["Title"]):
            count[term] += WEIGHTS["title"]
        for title in alternates[code]:
            for term in set(tokenize(title)):
                count[term] += WEIGHTS["alternate"]
        for term in tokenize(row["Description"]):
            count[term] += WEIGHTS["description"]
        for name in technology[code]:
            for term in set(tokenize(name)):
                count[term] += WEIGHTS["technology"]
        counts.append(count)
    return counts


def _neighbours(codes: list[str], counts: list[Counter[str]]) -> list[list[list[float]]]:
    import numpy as np

    vocabulary = {term: i for i, term in enumerate(sorted({t for c in counts for t in c}))}
    matrix = np.zeros((len(counts), len(vocabulary)), dtype=np.float32)
    for row, count in enumerate(counts):
        for term, value in count.items():
            matrix[row, vocabulary[term]] = 1 + math.log(1 + value)
    df = (matrix > 0).sum(axis=0)
    matrix *= np.log(len(counts) / df)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    closeness = matrix @ matrix.T
    for size, value in HIERARCHY:
        prefix = np.array([code[:size] for code in codes])
        closeness = np.maximum(closeness, np.where(prefix[:, None] == prefix[None, :], value, 0))
    out: list[list[list[float]]] = []
    for row in range(len(codes)):
        order = [int(j) for j in np.argsort(-closeness[row]) if j != row][:NEIGHBOURS]
        out.append([[j, round(float(closeness[row, j]), 3)] for j in order
                    if closeness[row, j] >= MIN_CLOSENESS])  # fmt: skip
    return out


def build(onet: Path) -> dict[str, object]:
    occupations = _rows(onet / "occupation_data.txt")
    alternates = _titles(onet)
    technology: dict[str, list[str]] = defaultdict(list)
    for row in _rows(onet / "technology_skills.txt"):
        technology[row["O*NET-SOC Code"]].append(row["Example"])
    titles, heads = _title_index(occupations, alternates)
    return {
        "version": 1,
        "attribution": "This product includes information from the O*NET 29.2 Database by the "
        "U.S. Department of Labor, Employment and Training Administration (USDOL/ETA). "
        "Used under the CC BY 4.0 license.",
        "occupations": [[row["O*NET-SOC Code"], row["Title"]] for row in occupations],
        "heads": heads,
        "titles": titles,
        "neighbours": _neighbours(
            [row["O*NET-SOC Code"] for row in occupations],
            _term_counts(occupations, alternates, technology),
        ),
    }


def main(argv: list[str]) -> int:
    onet = Path(argv[1]) if len(argv) > 1 else DEFAULT_ONET
    data = build(onet)
    titles = data.pop("titles")
    assert isinstance(titles, list)
    lines = [f"{key}\t{','.join(str(i) for i in members)}\n" for key, members in titles]
    TITLES_OUTPUT.write_text("".join(lines), "utf-8")
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    for path in (TITLES_OUTPUT, OUTPUT):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
