"""CVs that carry unique marker strings, and scanners that look for the markers in every
table of the database and every file under given folders.

A marker CV names a made-up person (first and last name found nowhere else), an e-mail
address, a phone number and a sentence with a unique word; its file name carries the
last name. The scanners decode before they search: JSON and compressed values in the
database; ZIP members (DOCX, XLSX), gzip files, PDF text (through the service's own
extractor) and zlib streams on disk. A phone number is also searched for as its digits
alone, since a parser may store it normalised.
"""

from __future__ import annotations

import gzip
import json
import re
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from pipeline.errors import ExtractionError
from pipeline.extract import extract_text
from tests.pipeline import fixtures

_SYLLABLES = ["zor", "quin", "vex", "thal", "mira", "dov", "pell", "xan", "brio", "kelt"]


def _word(rng: secrets.SystemRandom, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


#: the markers of every person made in this process
_TAKEN: list[str] = []


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str
    word: str
    nationality: str

    @classmethod
    def new(cls) -> Person:
        """A person none of whose markers is, or holds, another person's marker: with
        three syllables of ten, two people would otherwise share a name or a
        nationality ("Thalmirian" holds "Thalmiria") a few times in a thousand."""
        rng = secrets.SystemRandom()
        while True:
            tag = secrets.token_hex(3)
            digits = "".join(str(rng.randrange(10)) for _ in range(6))
            person = cls(
                first=_word(rng, 3) + "ia",
                last=_word(rng, 3) + "son",
                email=f"mk{tag}@example.org",
                phone=f"+44 7700 {digits[:3]} {digits[3:]}",
                word=_word(rng, 4).lower() + "vale",
                nationality=_word(rng, 3) + "ian",
            )
            mine = [*person.markers(), person.phone_digits]
            if not any(a in b or b in a for a in mine for b in _TAKEN):
                _TAKEN.extend(mine)
                return person

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def phone_digits(self) -> str:
        return re.sub(r"\D", "", self.phone)

    def markers(self) -> list[str]:
        """Lower-case strings none of which may remain once the person is erased."""
        return [*self.hidden(), self.word]

    def hidden(self) -> list[str]:
        """What blind review hides (with the phone number): who the person is."""
        return [self.first.lower(), self.last.lower(), self.email.lower(),
                self.nationality.lower()]  # fmt: skip

    def leaks(self, text: str) -> list[str]:
        """The hidden markers `text` shows."""
        lowered, digits = text.lower(), re.sub(r"\D", "", text)
        found = [marker for marker in self.hidden() if marker in lowered]
        return found + ([self.phone_digits] if self.phone_digits in digits else [])

    def cv_text(self) -> str:
        fields = fixtures.cv_fields(
            "software engineer",
            years=6,
            name=self.name,
            email=self.email,
            phone=self.phone,
            links=[],
            personal=[
                "Date of birth: 14 March 1991",
                f"Nationality: {self.nationality}",
                "Gender: Female",
            ],
        )
        fields.jobs[0]["bullets"].append(
            f"Built Python and Docker services for the {self.word} harbour logistics team"
        )
        return fixtures.render_text(fields)

    def filename(self, kind: str) -> str:
        return f"{self.last.lower()}-cv.{kind}"

    def upload(self, folder: Path, kind: str = "pdf") -> tuple[str, bytes]:
        """(file name, content) of this person's CV as a PDF, DOCX or TXT."""
        path = folder / self.filename(kind)
        if kind == "pdf":
            fixtures.make_cv_pdf(path, text=self.cv_text())
        elif kind == "docx":
            fixtures.make_cv_docx(path, text=self.cv_text())
        else:
            path.write_text(self.cv_text(), encoding="utf-8")
        return path.name, path.read_bytes()


@dataclass(frozen=True)
class Hit:
    where: str
    marker: str


def hits_in(where: str, value: str, people: list[Person]) -> list[Hit]:
    lowered = value.lower()
    digits = re.sub(r"\D", "", value)
    hits = [Hit(where, m) for p in people for m in p.markers() if m in lowered]
    hits += [Hit(where, p.phone_digits) for p in people if p.phone_digits in digits]
    return hits


def readable_forms(value: Any) -> list[str]:
    """Every readable form of a database value."""
    if value is None:
        return []
    if isinstance(value, dict | list):
        return [json.dumps(value, ensure_ascii=False)]
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        forms = [raw]
        for unpack in (zlib.decompress, gzip.decompress):
            try:
                forms.append(unpack(raw))
            except Exception:  # not that encoding
                continue
        return [form.decode("utf-8", "ignore") for form in forms]
    plain = str(value)
    forms = [plain]
    if plain[:1] in "[{":
        try:
            forms.append(json.dumps(json.loads(plain), ensure_ascii=False))
        except ValueError:
            pass
    return forms


async def scan_database(engine: AsyncEngine, people: list[Person]) -> list[Hit]:
    """Markers in any column of any row of any table (every table the database has)."""
    hits: list[Hit] = []
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            result = await conn.execute(text(f"SELECT * FROM {table}"))
            columns = list(result.keys())
            for row in result.all():
                for column, value in zip(columns, row, strict=True):
                    for form in readable_forms(value):
                        hits += hits_in(f"{table}.{column}", form, people)
    return sorted(set(hits), key=lambda h: (h.where, h.marker))


def _file_texts(path: Path, data: bytes) -> list[str]:
    forms = [data]
    if data[:2] == b"\x1f\x8b":
        forms.append(gzip.decompress(data))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            forms += [archive.read(name) for name in archive.namelist()]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            forms.append(zlib.decompress(stream))
        except zlib.error:
            continue
    texts = [form.decode("utf-8", "ignore") for form in forms]
    if data.startswith(b"%PDF"):
        try:
            texts.append(extract_text(path, "pdf"))
        except ExtractionError:
            pass
    return texts


def scan_files(roots: list[Path], people: list[Person]) -> list[Hit]:
    """Markers in any file under `roots`, by path and by content."""
    hits: list[Hit] = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            hits += hits_in(f"name:{path}", str(path.relative_to(root)), people)
            for form in _file_texts(path, path.read_bytes()):
                hits += hits_in(str(path), form, people)
    return sorted(set(hits), key=lambda h: (h.where, h.marker))
