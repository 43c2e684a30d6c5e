"""Occupations: read a job title as O*NET occupations and tell how close two occupations are.

The data is derived from the O*NET 29.2 Database (titles, alternate titles, descriptions
and technology skills of about 1,000 occupations; see `pipeline/data/ATTRIBUTION.md`) by
`scripts/build_occupations.py`:

- `occupation_titles.tsv`, a title index: each occupation's title and alternate titles
  as sets of normalised tokens ("developer java" -> Computer Programmers);
- `occupations.json`: codes, titles, the role nouns, and each occupation's closest
  occupations with how close they are (0-1, by their SOC group and the cosine of
  their descriptions, titles and technology skills).

A title is read by finding the index entries whose tokens all occur in it, and keeping
the most specific one (the largest sum of token IDFs): "Sr. Java/J2EE Developer" ->
"java developer". Every entry ends in a role noun (developer, nurse, advocate...), so a
line such as "Java, Spring" is never a title. When no entry explains most of a title
("HR Executive", "Sales Executive"), entries that share its field words with any role
noun count too ("human resources specialist", "sales representative"): the field says
more about the occupation than a generic noun such as "executive".
"""

from __future__ import annotations

import json
import math
import re
import sys
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "occupations.json"
TITLES_FILE = Path(__file__).parent / "data" / "occupation_titles.tsv"
#: A title entry longer than this is too rare to meet in a CV as a subset of a line.
MAX_TITLE_TOKENS = 5

_TOKEN_RE = re.compile(r"[a-z0-9][a-z0-9+#]*")
_PAREN_RE = re.compile(r"\([^)]*\)")
SENIORITY = frozenset(
    """senior sr junior jr lead principal staff chief trainee intern graduate entry level
    mid experienced i ii iii iv associate""".split()
)
_GLUE = frozenset("of and the for in at a an to with on".split())
# Spellings that name the same role, applied to the lower-cased title first.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\bdot\s*net\b|\.net\b|\basp\.net\b", " net "),
        (r"\bh\.?r\.?\b", " human resources "),
        (r"\bq\.?a\.?\b", " quality assurance "),
        (r"\bsde\b|\bswe\b", " software developer "),
        (r"\bdba\b", " database administrator "),
        (r"\bpmo\b", " project management "),
        (r"\bui\s*/\s*ux\b|\bux\s*/\s*ui\b", " ux "),
        (r"\bvp\b", " vice president "),
        (r"\bexec\b", " executive "),
        (r"\bmgr\b", " manager "),
        (r"\bengg?\b", " engineer "),
    )
)
# A field word standing for its role, as in "Electrical Engineering", "Web Designing",
# "Data Science": read as the role when the role makes a title and the field word does not.
_SUFFIX_ROLES: tuple[tuple[str, str], ...] = (
    ("ing", "er"), ("ing", ""), ("ence", "entist"), ("ment", "er"), ("ation", "ator"),
    ("ing", "e"), ("ysis", "yst"), ("ology", "ologist"), ("acy", "acist"), ("stry", "st"),
)  # fmt: skip
_FIELD_ROLES = {"law": "lawyer", "accounting": "accountant", "accounts": "accountant"}
# One search says whether any of the spellings above occurs: most titles have none.
_ANY_PHRASE = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _PHRASES))


def _singular(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is", "ics")):
        return token[:-1]
    return token


_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")


@lru_cache(maxsize=16384)
def title_tokens(title: str) -> tuple[str, ...]:
    """Normalised tokens of a title: lower case, singular, without seniority or glue words."""
    text = _CAMEL_RE.sub(" ", title)  # "AutomationTesting"
    text = _PAREN_RE.sub(" ", text.lower().replace("&", " and "))
    if _ANY_PHRASE.search(text):
        for pattern, replacement in _PHRASES:
            text = pattern.sub(replacement, text)
    tokens = [_singular(t) for t in _TOKEN_RE.findall(text)]
    return tuple(t for t in tokens if t not in SENIORITY and t not in _GLUE)


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """The occupations a title names, the index entry that matched, and how much of the
    title that entry explains (0-1, by token IDF)."""

    title: str
    key: str
    occupations: tuple[int, ...]
    coverage: float
    field_only: bool = False  # no role noun: read from its field words alone ("HR")

    def shares(self, data: Occupations) -> list[tuple[int, float]]:
        """Each named occupation with its share of the title: an occupation whose own
        O*NET title is the matched one ("Civil Engineer" -> Civil Engineers) counts
        twice as much as one that only lists it as an alternate title."""
        key = frozenset(self.key.split())
        weights = [(i, 2.0 if data.own_title(i) == key else 1.0) for i in self.occupations]
        total = sum(w for _, w in weights)
        return [(i, w / total) for i, w in weights]


#: An index entry: its tokens (sorted), their IDF weight, the occupations it names.
Entry = tuple[tuple[str, ...], float, tuple[int, ...]]
#: Weight of a field-word match against an exact one (its role noun is not the title's).
FIELD_FACTOR = 0.8
#: Field words name the occupations with at least this share of the most titles with
#: them ("human resources ..." names HR managers and specialists, not the management
#: analysts who have one such alternate title).
FIELD_TYPICAL = 0.34
#: A line with no role noun reads as a field only when it is this short and its field
#: words explain at least this share of it.
MAX_FIELD_TOKENS = 3
FIELD_ONLY_COVERAGE = 0.9
#: Role nouns that say little about the occupation: the field words before them do.
GENERIC_HEADS = frozenset(
    """executive officer specialist coordinator manager consultant associate assistant
    analyst administrator advisor adviser professional expert member partner head worker
    representative agent management""".split()
)


class Occupations:
    """The O*NET title index and occupation vectors, loaded from ``occupations.json``."""

    def __init__(self, data: dict[str, object], titles: list[tuple[str, list[int]]]) -> None:
        rows = data["occupations"]
        assert isinstance(rows, list)
        self.codes: list[str] = [row[0] for row in rows]
        self.titles: list[str] = [row[1] for row in rows]
        # Entries are compact (tuples of interned tokens, shared member tuples): the
        # index holds some 44,000 titles and every pipeline process reads it.
        shared: dict[tuple[int, ...], tuple[int, ...]] = {}
        keys: dict[tuple[str, ...], tuple[int, ...]] = {}  # one entry per set of tokens
        fields: dict[tuple[str, ...], dict[int, int]] = {}
        counts: dict[str, int] = {}
        for key, members in titles:
            head, *rest = (sys.intern(t) for t in key.split())
            tokens = tuple(sorted({head, *rest}))
            keys[tokens] = shared.setdefault(tuple(members), tuple(members))
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
            if rest:
                counts_here = fields.setdefault(tuple(sorted(set(rest))), {})
                for member in members:
                    counts_here[member] = counts_here.get(member, 0) + 1
        total = len(keys)
        self._idf = {t: math.log(total / c) for t, c in counts.items()}
        self._unknown_idf = math.log(total)
        # Each entry is filed under its rarest token: an entry can only be inside a title
        # that has that token, so a lookup checks a few entries instead of thousands.
        self._by_token: dict[str, list[Entry]] = {}
        for tokens, group in keys.items():
            self._file(self._by_token, tokens, group, counts)
        # The same for the field words of entries (all but the role noun), with the
        # occupations typical of those field words.
        self._by_field_token: dict[str, list[Entry]] = {}
        for words, per_occupation in fields.items():
            top = max(per_occupation.values())
            typical = [i for i, n in per_occupation.items() if n >= top * FIELD_TYPICAL]
            typical.sort(key=lambda i: (-per_occupation[i], i))
            self._file(self._by_field_token, words, tuple(typical), counts)
        heads = data["heads"]
        assert isinstance(heads, list)
        self.heads = frozenset(heads)
        neighbours = data["neighbours"]
        assert isinstance(neighbours, list)
        # per occupation: its neighbours' indices (sorted) and closeness, as arrays
        self._near: list[tuple[array[int], array[float]]] = []
        for row in neighbours:
            pairs = sorted((int(j), float(v)) for j, v in row)
            ids, closeness = [j for j, _ in pairs], [v for _, v in pairs]
            self._near.append((array("H", ids), array("f", closeness)))
        self._by_code = {code: i for i, code in enumerate(self.codes)}
        self._own: dict[int, frozenset[str]] = {}

    def _file(
        self,
        index: dict[str, list[Entry]],
        tokens: tuple[str, ...],
        members: tuple[int, ...],
        counts: dict[str, int],
    ) -> None:
        rarest = min(tokens, key=lambda t: (counts[t], t))
        weight = sum(self._idf[t] for t in tokens)  # sorted tokens: the same sum every run
        index.setdefault(rarest, []).append((tokens, weight, members))

    @classmethod
    def from_files(cls, data_file: Path, titles_file: Path) -> Occupations:
        titles: list[tuple[str, list[int]]] = []
        for line in titles_file.read_text(encoding="utf-8").splitlines():
            key, _, members = line.partition("\t")
            titles.append((key, [int(i) for i in members.split(",")]))
        return cls(json.loads(data_file.read_text(encoding="utf-8")), titles)

    def index_of(self, code: str) -> int | None:
        return self._by_code.get(code)

    def own_title(self, index: int) -> frozenset[str]:
        """The normalised tokens of an occupation's own O*NET title."""
        found = self._own.get(index)
        if found is None:
            found = self._own[index] = frozenset(self._variants(title_tokens(self.titles[index])))
        return found

    def _variants(self, tokens: tuple[str, ...]) -> set[str]:
        found = set(tokens)
        for token in tokens:
            if token in _FIELD_ROLES:
                found.add(_FIELD_ROLES[token])
                continue
            for suffix, role in _SUFFIX_ROLES:
                if token.endswith(suffix) and len(token) > len(suffix) + 2:
                    stem = token[: -len(suffix)] + role
                    if stem in self.heads:
                        found.add(stem)
                        break
        return found

    @lru_cache(maxsize=16384)  # noqa: B019 - one instance per process, kept for its life
    def match_title(self, title: str) -> TitleMatch | None:
        """The most specific O*NET title whose tokens all occur in `title`, or None."""
        tokens = title_tokens(title)
        if not tokens or len(tokens) > 12:
            return None
        found = self._match_tokens(tokens)
        if found is None:
            return None
        key, members, coverage = found
        return TitleMatch(title, key, members, coverage, not (self._variants(tokens) & self.heads))

    @lru_cache(maxsize=8192)  # noqa: B019 - one instance per process, kept for its life
    def _match_tokens(self, tokens: tuple[str, ...]) -> tuple[str, tuple[int, ...], float] | None:
        present = self._variants(tokens)
        roles = [t for t in present if t in self.heads]
        total = sum(self._idf.get(t, self._unknown_idf) for t in sorted(set(tokens)))
        if not roles:
            return self._field_only(present, total) if len(tokens) <= MAX_FIELD_TOKENS else None
        best = _best(present, self._by_token)
        coverage = min(1.0, best[1] / total) if best else 0.0
        if best is None or all(t in GENERIC_HEADS for t in best[0]):
            # "HR Executive": the field words, with whatever role noun O*NET gives them
            role = set(best[0]) if best is not None else set(roles)
            field = _best(present - role, self._by_field_token)
            if field is not None:
                role_weight = sum(self._idf[t] for t in sorted(role))
                field_coverage = min(1.0, (field[1] + role_weight) / total)
                return _key_text(present, field[0]), field[2], field_coverage * FIELD_FACTOR
        if best is None:
            return None
        return _key_text(present, best[0]), best[2], coverage

    def _field_only(
        self, present: set[str], total: float
    ) -> tuple[str, tuple[int, ...], float] | None:
        """A line that is only a field ("HR", "Human Resources"): the occupations whose
        titles put a role noun after exactly those words, if they explain all of it."""
        field = _best(present, self._by_field_token)
        if field is None or field[1] < total * FIELD_ONLY_COVERAGE:
            return None
        return _key_text(present, field[0]), field[2], min(1.0, field[1] / total) * FIELD_FACTOR

    def similarity(self, a: int, b: int) -> float:
        """How close two occupations are, 0-1: 1 for the same, 0 for unrelated ones."""
        if a == b:
            return 1.0
        indices, values = self._near[a]
        at = bisect_left(indices, b)
        return float(values[at]) if at < len(indices) and indices[at] == b else 0.0


def _best(present: set[str], by_token: dict[str, list[Entry]]) -> Entry | None:
    """The heaviest entry filed under a token of `present` whose tokens all occur in it."""
    best: Entry | None = None
    for token in sorted(present):  # ties go to the first found: one order, one answer
        for entry in by_token.get(token, ()):
            if (best is None or entry[1] > best[1]) and all(t in present for t in entry[0]):
                best = entry
    return best


def _key_text(present: set[str], key: tuple[str, ...]) -> str:
    return " ".join(t for t in sorted(present) if t in key)


@lru_cache(maxsize=1)
def get_occupations() -> Occupations:
    """The shipped occupation data, loaded once per process."""
    return Occupations.from_files(DATA_FILE, TITLES_FILE)
