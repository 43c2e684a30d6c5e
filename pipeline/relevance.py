"""Text relevance: TF-IDF cosine between a posting and CVs, fitted on the pool.

Profiles carry `text_terms` (term -> count, the most frequent terms of the CV text
with protected attributes removed), so rescoring a pool never re-reads CV text.
Term frequency is dampened (1 + log, capped) so repeating a keyword does not pay.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

MAX_TERMS = 300
TF_CAP = 4
_TOKEN_RE = re.compile(r"[a-z][a-z0-9+#]*(?:\.[a-z0-9]+)*")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having here how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our ours out over own same should so some such
    than that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    etc also using use used work worked working responsible including well good able per via
    within across new like based years year months month experience""".split()
)


def tokenize(text: str, drop: frozenset[str] = frozenset()) -> list[str]:
    """Lower-case terms of `text` without stop words, one-letter tokens and `drop`."""
    return [
        t
        for t in _TOKEN_RE.findall(text.lower())
        if len(t) > 1 and t not in STOPWORDS and t not in drop
    ]


def text_terms(
    text: str, skills: Iterable[str] = (), drop: frozenset[str] = frozenset()
) -> dict[str, int]:
    """The most frequent terms of `text` (never those in `drop`), plus one `skill:` term
    per canonical skill."""
    # count every token, then drop the few distinct ones that are not terms: the same
    # counts (and order of first use) as filtering each token, with far fewer lookups
    counts = Counter(_TOKEN_RE.findall(text.lower()))
    for term in [t for t in counts if len(t) < 2 or t in STOPWORDS or t in drop]:
        del counts[term]
    terms = dict(counts.most_common(MAX_TERMS))
    for skill in skills:
        terms["skill:" + skill.lower()] = 1
    return terms


def _weight(count: int) -> float:
    return 1.0 + math.log(min(count, TF_CAP))


def cosine_scores(query: dict[str, int], docs: list[dict[str, int]]) -> list[float]:
    """TF-IDF cosine of each doc against the query; IDF is fitted on docs + query."""
    n_docs = len(docs) + 1
    df: Counter[str] = Counter(query.keys())
    for doc in docs:
        df.update(doc.keys())
    idf = {term: math.log((n_docs + 1) / (count + 1)) + 1.0 for term, count in df.items()}
    q_vec = {t: _weight(c) * idf[t] for t, c in query.items()}
    q_norm = math.sqrt(sum(v * v for v in q_vec.values())) or 1.0
    scores: list[float] = []
    for doc in docs:
        dot = 0.0
        norm = 0.0
        for term, count in doc.items():
            value = _weight(count) * idf[term]
            norm += value * value
            q_value = q_vec.get(term)
            if q_value is not None:
                dot += value * q_value
        scores.append(dot / (q_norm * (math.sqrt(norm) or 1.0)))
    return scores
