"""Ranking quality on bench/quality_set: cvmatch against TF-IDF, BM25 and skill overlap."""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.parse import parse_cv
from pipeline.relevance import tokenize
from pipeline.score import resolve_posting, score_pool
from pipeline.taxonomy import get_taxonomy

SET_DIR = Path(__file__).resolve().parent / "quality_set"
Ranker = Callable[[dict[str, Any], list[str], list[dict[str, Any]]], list[float]]


def average_precision(ranked: list[int]) -> float:
    """AP with grade 2 (the posting's own occupation) as relevant."""
    hits, total = 0, 0.0
    for rank, grade in enumerate(ranked, 1):
        if grade == 2:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def ndcg_at(ranked: list[int], k: int = 10) -> float:
    def dcg(grades: list[int]) -> float:
        return float(sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k])))

    ideal = dcg(sorted(ranked, reverse=True))
    return dcg(ranked) / ideal if ideal else 0.0


def tfidf_ranker(posting: dict[str, Any], texts: list[str], _: list[dict[str, Any]]) -> list[float]:
    docs = [Counter(tokenize(t)) for t in texts]
    query = Counter(tokenize(posting["title"] + "\n" + posting["description"]))
    n = len(docs)
    df = Counter(term for doc in docs for term in doc)
    idf = {t: math.log((n + 1) / (c + 1)) + 1 for t, c in df.items()}

    def vec(counts: Counter[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * idf.get(t, math.log(n + 1) + 1) for t, c in counts.items()}

    q = vec(query)
    qn = math.sqrt(sum(v * v for v in q.values()))
    out = []
    for doc in docs:
        d = vec(doc)
        dn = math.sqrt(sum(v * v for v in d.values())) or 1.0
        out.append(sum(v * q.get(t, 0.0) for t, v in d.items()) / (dn * qn))
    return out


def bm25_ranker(posting: dict[str, Any], texts: list[str], _: list[dict[str, Any]]) -> list[float]:
    docs = [Counter(tokenize(t)) for t in texts]
    query = set(tokenize(posting["title"] + "\n" + posting["description"]))
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


def skill_overlap_ranker(
    posting: dict[str, Any], _: list[str], profiles: list[dict[str, Any]]
) -> list[float]:
    wanted = {s.lower() for s in posting["required_skills"] + posting["preferred_skills"]}
    return [len(wanted & {s.lower() for s in p["skills"]}) / (len(wanted) or 1) for p in profiles]


def cvmatch_ranker(
    posting: dict[str, Any], _: list[str], profiles: list[dict[str, Any]]
) -> list[float]:
    return [float(r["score"]) for r in score_pool(posting, profiles)]


RANKERS: dict[str, Ranker] = {
    "cvmatch": cvmatch_ranker,
    "tfidf": tfidf_ranker,
    "bm25": bm25_ranker,
    "skill_overlap": skill_overlap_ranker,
}


def evaluate_ranking(set_dir: Path = SET_DIR) -> dict[str, Any]:
    postings = json.loads((set_dir / "postings.json").read_text(encoding="utf-8"))
    labels = json.loads((set_dir / "labels.json").read_text(encoding="utf-8"))
    ids = sorted(p.stem for p in (set_dir / "cvs").glob("*.txt"))
    texts = [(set_dir / "cvs" / f"{i}.txt").read_text(encoding="utf-8") for i in ids]
    get_taxonomy()
    profiles = [parse_cv(t, today=date(2024, 12, 1)).to_dict() for t in texts]
    resolved = {key: resolve_posting(**fields) for key, fields in postings.items()}
    results: dict[str, dict[str, float]] = {}
    for name, ranker in RANKERS.items():
        whole: list[tuple[float, float]] = []
        family: list[tuple[float, float]] = []
        for key, posting in resolved.items():
            whole.append(_rank(ranker, posting, range(len(ids)), ids, texts, profiles, labels[key]))
            members = [i for i in range(len(ids)) if labels[key][ids[i]] > 0]
            family.append(_rank(ranker, posting, members, ids, texts, profiles, labels[key]))
        results[name] = {
            "MAP": _mean([w[0] for w in whole]), "nDCG@10": _mean([w[1] for w in whole]),
            "family_MAP": _mean([f[0] for f in family]),
            "family_nDCG@10": _mean([f[1] for f in family]),
        }  # fmt: skip
    baselines = [figures for name, figures in results.items() if name != "cvmatch"]
    best = {metric: max(b[metric] for b in baselines) for metric in baselines[0]}
    return {"postings": len(postings), "cvs": len(ids), "results": results, "best_baseline": best}


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3)


def _rank(
    ranker: Ranker, posting: dict[str, Any], pool: Any, ids: list[str], texts: list[str],
    profiles: list[dict[str, Any]], grades_by_id: dict[str, int],
) -> tuple[float, float]:  # fmt: skip
    """(AP, nDCG@10) of one posting over the CVs in `pool`."""
    members = list(pool)
    scores = ranker(posting, [texts[i] for i in members], [profiles[i] for i in members])
    order = sorted(range(len(members)), key=lambda j: (-scores[j], ids[members[j]]))
    grades = [grades_by_id[ids[members[j]]] for j in order]
    return average_precision(grades), ndcg_at(grades)


if __name__ == "__main__":
    print(json.dumps(evaluate_ranking(), indent=2))
