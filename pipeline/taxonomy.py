"""Skills taxonomy: canonical names, aliases and fast matching in text.

Matching tokenises the text once and looks up n-grams of up to
:data:`MAX_NGRAM` tokens in a dict, longest first. Short or ambiguous names
(C, R, Go, Excel...) count only in a skills context: a skills section, or when
they sit in a list next to another known skill.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "taxonomy.json"
MAX_NGRAM = 5

TOKEN_RE = re.compile(r"\.?[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9][a-z0-9+#]*)*")
# What may separate two skills in a list: punctuation, bullets, "and"/"or".
_LIST_GAP_RE = re.compile(r"^(?:[\s,;/|&+•·*()\-\u2013:]|\band\b|\bor\b)*$", re.IGNORECASE)
_LIST_LINE_RE = re.compile(r"[,;|•·]")


@lru_cache(maxsize=16384)  # skill names recur across CVs and postings
def normalize(name: str) -> str:
    """The lookup key of a name: its lower-case tokens joined by spaces."""
    return " ".join(TOKEN_RE.findall(name.lower().replace("\u2019", "'")))


@dataclass(frozen=True, slots=True)
class SkillHit:
    """A skill found in text; `start`/`end` are character offsets into that text."""

    skill: str
    start: int
    end: int
    ambiguous: bool


class Taxonomy:
    """Canonical skills with aliases, loaded from ``taxonomy.json``."""

    def __init__(
        self,
        skills: dict[str, dict[str, object]],
        aliases: dict[str, str],
        ambiguous: set[str],
    ) -> None:
        self.skills = skills
        self.aliases = aliases
        self.ambiguous = ambiguous
        self._canon_lower = {name.lower(): name for name in skills}
        # First tokens of aliases (most tokens start none), and every proper prefix of a
        # multi-token alias: a match grows one token at a time while it is a prefix.
        self._starts: set[str] = set()
        self._prefixes: set[str] = set()
        for key in aliases:
            words = key.split(" ")[:MAX_NGRAM]
            self._starts.add(words[0])
            for size in range(1, len(words)):
                self._prefixes.add(" ".join(words[:size]))

    @classmethod
    def from_file(cls, path: Path) -> Taxonomy:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["skills"], data["aliases"], set(data["ambiguous"]))

    def canonical(self, name: str) -> str | None:
        """The canonical skill for a name or alias, or None when unknown."""
        key = normalize(name)
        return self.aliases.get(key) or self._canon_lower.get(name.strip().lower())

    def find(self, text: str, *, skill_context: bool = False) -> list[SkillHit]:
        """Skills mentioned in `text`, in order; ambiguous names need a skills context.

        `text` may hold many lines: a name never spans two, and an ambiguous name counts
        only beside another skill on its own line.
        """
        lowered = text.lower()
        if len(lowered) != len(text):  # a few characters change length when lowered
            lowered = "".join(ch.lower()[:1] or ch for ch in text)
        matches = list(TOKEN_RE.finditer(lowered))
        words = [m.group() for m in matches]
        starts, prefixes, aliases = self._starts, self._prefixes, self.aliases
        hits: list[SkillHit] = []
        count = len(words)
        free = 0  # the first token not inside an earlier, longer hit
        for i in [i for i, word in enumerate(words) if word in starts]:
            if i < free:
                continue
            key = words[i]
            found = aliases.get(key)
            width = 1 if found is not None else 0
            j = i + 1
            while key in prefixes and j < count and j - i < MAX_NGRAM:  # longest match wins
                if "\n" in lowered[matches[j - 1].end() : matches[j].start()]:
                    break  # a name never runs on to the next line
                key = f"{key} {words[j]}"
                j += 1
                if (skill := aliases.get(key)) is not None:
                    found, width = skill, j - i
            if found is not None:
                matched = " ".join(words[i : i + width])
                end = matches[i + width - 1].end()
                hits.append(SkillHit(found, matches[i].start(), end, matched in self.ambiguous))
                free = i + width
        if skill_context:
            return hits
        return _filter_ambiguous(text, hits)


def _filter_ambiguous(text: str, hits: list[SkillHit]) -> list[SkillHit]:
    """Keep an ambiguous hit only when a list separator joins it to another skill."""
    kept: list[SkillHit] = []
    for index, hit in enumerate(hits):
        if not hit.ambiguous or _in_list(text, hits, index):
            kept.append(hit)
    return kept


def _in_list(text: str, hits: list[SkillHit], index: int) -> bool:
    hit = hits[index]
    for other_index in (index - 1, index + 1):
        if not 0 <= other_index < len(hits):
            continue
        other = hits[other_index]
        gap = text[other.end : hit.start] if other_index < index else text[hit.end : other.start]
        if "\n" not in gap and _LIST_GAP_RE.match(gap):
            if not other.ambiguous or _is_list_line(text, hit):
                return True
    return False


def _is_list_line(text: str, hit: SkillHit) -> bool:
    start = text.rfind("\n", 0, hit.start) + 1
    end = text.find("\n", hit.end)
    line = text[start : end if end >= 0 else len(text)]
    return len(_LIST_LINE_RE.findall(line)) >= 2


@lru_cache(maxsize=1)
def get_taxonomy() -> Taxonomy:
    """The shipped taxonomy, loaded once per process."""
    return Taxonomy.from_file(DATA_FILE)
