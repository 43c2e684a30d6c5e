"""Ranking quality on real CVs: cvmatch against TF-IDF, BM25 and MiniLM in the same run.

Data (never copied into the repository; the benchmark skips with a message without it):
- `../shared/data/resumes/occupations_dev.jsonl`: 71 real resumes in 23 occupations,
  the main set;
- `../shared/data/resumes/classification_dev.jsonl`: 79 real resumes in 4 occupations,
  a sanity check that plain TF-IDF already handles.

Postings (`bench/real_set/`), one per occupation in two styles, committed before any
scoring change: `postings_recruiter.json`, written the way recruiters write them (title,
duties, required and preferred skills), and `postings_onet.json`, the O*NET title and
description with technology skills from that occupation's O*NET list (`build_onet.py`).

Every CV is rendered to a PDF and goes through the upload path: `parse_file` (extract
and parse), then `score_pool` with the whole set as the pool. A CV is relevant to a
posting when it is of the posting's occupation. Ties break by the file's SHA-256, as in
the API. Baselines see the same extracted text; their query is the posting's title,
description and skills.

    python bench/real_ranking.py                  # table
    python bench/real_ranking.py --json           # figures as JSON (make bench)
    python bench/real_ranking.py --per-posting    # AP per posting and method
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import minilm  # noqa: E402
from bench.quality import render_pdf  # noqa: E402
from pipeline.registry import parse_file  # noqa: E402
from pipeline.relevance import tokenize  # noqa: E402
from pipeline.score import resolve_posting, score_pool  # noqa: E402

SET_DIR = Path(__file__).resolve().parent / "real_set"
DATA_DIR = Path(os.environ.get("CVMATCH_DATA_DIR", ROOT.parent / "shared" / "data"))
SETS = {"occupations": "occupations_dev.jsonl", "classification": "classification_dev.jsonl"}
STYLES = ("recruiter", "onet")
CACHE = Path(tempfile.gettempdir()) / "cvmatch-renders"
Ranker = Callable[[dict[str, Any], list["Cv"]], list[float]]


class Cv:
    def __init__(self, category: str, text: str, folder: Path) -> None:
        self.category = category
        path = folder / f"{hashlib.sha256(text.encode()).hexdigest()[:24]}.pdf"
        if not path.exists():
            render_pdf(text, path)
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        outcome = parse_file({"kind": "pdf", "path": str(path)})
        self.profile: dict[str, Any] = outcome.get("profile") or {}
        self.text = _extracted(path)


def _extracted(path: Path) -> str:
    from pipeline.extract import extract_document

    return extract_document(path, "pdf").text


def load_set(name: str) -> list[Cv] | None:
    logging.getLogger("fpdf").setLevel(logging.ERROR)  # glyphs the font lacks: noise here
    path = DATA_DIR / "resumes" / SETS[name]
    if not path.exists():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [Cv(row["category"], row["text"], CACHE) for row in rows]


def load_postings(style: str) -> dict[str, dict[str, Any]]:
    raw = json.loads((SET_DIR / f"postings_{style}.json").read_text(encoding="utf-8"))
    fields = ("title", "description", "required_skills", "preferred_skills")
    return {key: resolve_posting(**{f: p[f] for f in fields if f in p}) for key, p in raw.items()}


# --- metrics ----------------------------------------------------------------------------


def average_precision(relevant: list[bool]) -> float:
    hits, total = 0, 0.0
    for rank, rel in enumerate(relevant, 1):
        if rel:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def ndcg_at(relevant: list[bool], k: int = 10) -> float:
    def dcg(flags: list[bool]) -> float:
        return sum(1.0 / math.log2(i + 2) for i, rel in enumerate(flags[:k]) if rel)

    ideal = dcg(sorted(relevant, reverse=True))
    return dcg(relevant) / ideal if ideal else 0.0


# --- rankers ----------------------------------------------------------------------------


def _query(posting: dict[str, Any]) -> str:
    skills = " ".join(posting["required_skills"] + posting["preferred_skills"])
    return f"{posting['title']}\n{posting['description']}\n{skills}"


def tfidf_ranker(posting: dict[str, Any], cvs: list[Cv]) -> list[float]:
    docs = [Counter(tokenize(cv.text)) for cv in cvs]
    query = Counter(tokenize(_query(posting)))
    n = len(docs)
    df = Counter(term for doc in docs for term in doc)
    idf = {t: math.log((n + 1) / (c + 1)) + 1 for t, c in df.items()}

    def vec(counts: Counter[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * idf.get(t, math.log(n + 1) + 1) for t, c in counts.items()}

    q = vec(query)
    qn = math.sqrt(sum(v * v for v in q.values())) or 1.0
    out = []
    for doc in docs:
        d = vec(doc)
        dn = math.sqrt(sum(v * v for v in d.values())) or 1.0
        out.append(sum(v * q.get(t, 0.0) for t, v in d.items()) / (dn * qn))
    return out


def bm25_ranker(posting: dict[str, Any], cvs: list[Cv]) -> list[float]:
    docs = [Counter(tokenize(cv.text)) for cv in cvs]
    query = set(tokenize(_query(posting)))
    n = len(docs)
    avg = sum(sum(d.values()) for d in docs) / n
    df = Counter(term for doc in docs for term in doc)
    k1, b = 1.5, 0.75
    out = []
    for doc in docs:
        length = sum(doc.values())
        score = 0.0
        for term in query & doc.keys():
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            tf = doc[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))
        out.append(score)
    return out


_EMBEDDINGS: dict[str, Any] = {}


def _embed(text: str) -> Any:
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _EMBEDDINGS:
        _EMBEDDINGS[key] = minilm.load().encode(text)
    return _EMBEDDINGS[key]


def minilm_ranker(posting: dict[str, Any], cvs: list[Cv]) -> list[float]:
    query = _embed(_query(posting))
    return [float(_embed(cv.text) @ query) for cv in cvs]


def cvmatch_ranker(posting: dict[str, Any], cvs: list[Cv]) -> list[float]:
    return [float(r["score"]) for r in score_pool(posting, [cv.profile for cv in cvs])]


def rankers() -> dict[str, Ranker]:
    found: dict[str, Ranker] = {"cvmatch": cvmatch_ranker, "tfidf": tfidf_ranker,
                                "bm25": bm25_ranker}  # fmt: skip
    if minilm.available() is None:
        found["minilm"] = minilm_ranker
    return found


# --- evaluation -------------------------------------------------------------------------


def rank_one(
    ranker: Ranker, category: str, posting: dict[str, Any], cvs: list[Cv]
) -> tuple[float, float]:
    scores = ranker(posting, cvs)
    order = sorted(range(len(cvs)), key=lambda i: (-scores[i], cvs[i].sha256))
    relevant = [cvs[i].category == category for i in order]
    return average_precision(relevant), ndcg_at(relevant)


def evaluate(cvs: list[Cv]) -> dict[str, Any]:
    categories = sorted({cv.category for cv in cvs})
    methods = rankers()
    per_posting: dict[str, dict[str, dict[str, float]]] = {}
    table: dict[str, dict[str, dict[str, float]]] = {}
    for style in STYLES:
        postings = load_postings(style)
        missing = [c for c in categories if c not in postings]
        if missing:
            raise SystemExit(f"no {style} posting for {missing}")
        table[style] = {}
        for name, ranker in methods.items():
            figures = [rank_one(ranker, c, postings[c], cvs) for c in categories]
            table[style][name] = _means(figures)
            for category, (ap, _) in zip(categories, figures, strict=True):
                per_posting.setdefault(f"{style}:{category}", {})[name] = round(ap, 3)
    table["both"] = {
        name: {m: round((table["recruiter"][name][m] + table["onet"][name][m]) / 2, 3)
               for m in ("MAP", "nDCG@10")}
        for name in methods
    }  # fmt: skip
    return {
        "cvs": len(cvs), "postings": len(categories), "table": table,
        "ratio_to_best_baseline": _ratios(table), "per_posting": per_posting,
    }  # fmt: skip


def _means(figures: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "MAP": round(sum(f[0] for f in figures) / len(figures), 3),
        "nDCG@10": round(sum(f[1] for f in figures) / len(figures), 3),
    }


def _ratios(table: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for style, rows in table.items():
        baselines = {n: r for n, r in rows.items() if n != "cvmatch"}
        out[style] = {}
        for metric in ("MAP", "nDCG@10"):
            best = max(r[metric] for r in baselines.values())
            out[style][metric] = round(rows["cvmatch"][metric] / best, 3) if best else 0.0
    return out


def run(names: list[str]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for name in names:
        cvs = load_set(name)
        if cvs is None:
            report[name] = {"skipped": f"{DATA_DIR / 'resumes' / SETS[name]} not found"}
            continue
        report[name] = evaluate(cvs)
    if (reason := minilm.available()) is not None:
        report["minilm_skipped"] = reason
    return report


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures per set: both posting styles averaged, then each style, for
    cvmatch beside the best same-run baseline, and their ratio."""
    out: dict[str, Any] = {}
    for name, result in report.items():
        if not isinstance(result, dict) or "table" not in result:
            out[name] = result
            continue
        table = result["table"]
        entry: dict[str, Any] = {"cvs": result["cvs"], "postings": result["postings"]}
        for style in ("both", *STYLES):
            rows = table[style]
            best = {m: max(r[m] for n, r in rows.items() if n != "cvmatch")
                    for m in ("MAP", "nDCG@10")}  # fmt: skip
            figures = {"cvmatch": rows["cvmatch"], "best_baseline": best,
                       "ratio": result["ratio_to_best_baseline"][style]}  # fmt: skip
            if style == "both":
                entry.update(figures)
                entry["baselines"] = {n: r for n, r in rows.items() if n != "cvmatch"}
            else:
                entry[style] = figures
        out[name] = entry
    return out


def _print(report: dict[str, Any], per_posting: bool) -> None:
    for name, result in report.items():
        if not isinstance(result, dict) or "table" not in result:
            print(f"{name}: {result}")
            continue
        print(f"\n{name}: {result['postings']} postings x {result['cvs']} CVs")
        for style, rows in result["table"].items():
            ratio = result["ratio_to_best_baseline"][style]
            print(f"  {style:<10}" + "".join(
                f"  {n} {r['MAP']:.3f}/{r['nDCG@10']:.3f}" for n, r in rows.items()
            ) + f"   ratio {ratio['MAP']:.2f}/{ratio['nDCG@10']:.2f}")  # fmt: skip
        if per_posting:
            for key, row in sorted(result["per_posting"].items()):
                print(f"    {key:<45}" + "".join(f" {n}={v:.2f}" for n, v in row.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--per-posting", action="store_true")
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    args = parser.parse_args()
    names = list(SETS) if args.set == "all" else [args.set]
    report = run(names)
    if args.json:
        print(json.dumps(summary(report)))
    else:
        _print(report, args.per_posting)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
