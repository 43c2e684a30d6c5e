"""Command line: `python -m pipeline match|parse ...`.

  python -m pipeline match --posting posting.txt cv1.pdf cv2.docx cv3.txt
  python -m pipeline parse cv.pdf

A posting is a JSON object of `resolve_posting` fields (`title`, `description`,
`required_skills`, ...) or plain text: its first line is the title, the whole text
the description, and skills, years and education are read from it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.errors import ExtractionError
from pipeline.extract import extract_document
from pipeline.parse import parse_cv
from pipeline.score import resolve_posting, score_pool
from pipeline.sniff import detect_type, is_docx


def _kind(path: Path) -> str | None:
    with path.open("rb") as handle:
        kind = detect_type(handle.read(4096))
    if kind == "docx" and not is_docx(path):
        return None
    return kind


def _parse_path(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ExtractionError("FILE_NOT_FOUND", f"no such file: {path}")
    if path.stat().st_size == 0:
        raise ExtractionError("EMPTY_FILE", "the file is empty")
    kind = _kind(path)
    if kind is None:
        raise ExtractionError("UNSUPPORTED_TYPE", "not a PDF, DOCX or text file")
    document = extract_document(path, kind)
    profile = parse_cv(document.text)
    profile.protected["has_photo"] = document.has_image
    return profile.to_dict()


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def cmd_parse(args: argparse.Namespace) -> int:
    try:
        profile = _parse_path(Path(args.file))
    except ExtractionError as exc:
        print(json.dumps({"error_code": exc.code, "detail": exc.detail}))
        return 1
    profile.pop("text_terms", None)
    print(json.dumps(profile, indent=2, ensure_ascii=False))
    return 0


def _sort_key(row: dict[str, Any]) -> float:
    score = row.get("score")
    return float(score) if score is not None else -1.0


class PostingError(Exception):
    """The posting file cannot be read: the message says why, in words."""


def read_posting(path: Path) -> dict[str, Any]:
    """A posting from a JSON object of `resolve_posting` fields or from plain text."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise PostingError(f"no such posting file: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PostingError(f"cannot read the posting {path}: {exc}") from exc
    if not text.strip():
        raise PostingError(f"the posting {path} is empty")
    try:
        fields = json.loads(text)
    except json.JSONDecodeError:
        fields = None
    if not isinstance(fields, dict):
        title = next(line.strip() for line in text.splitlines() if line.strip())
        fields = {"title": title[:200], "description": text}
    try:
        return resolve_posting(**fields)
    except (TypeError, ValueError) as exc:
        raise PostingError(f"the posting {path} is not valid: {exc}") from exc


def cmd_match(args: argparse.Namespace) -> int:
    try:
        posting = read_posting(Path(args.posting))
    except PostingError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    rows: list[dict[str, Any]] = []
    profiles: list[dict[str, Any]] = []
    for index, name in enumerate(args.files):
        try:
            profiles.append(_parse_path(Path(name)))
            rows.append({"file": name})
        except ExtractionError as exc:
            rows.append({"file": name, "error_code": exc.code, "detail": exc.detail})
        _progress(index + 1, len(args.files), Path(name).name)
    scores = iter(score_pool(posting, profiles))
    for row in rows:
        if "error_code" not in row:
            row.update(next(scores))
    rows.sort(key=_sort_key, reverse=True)
    if args.json:
        print(json.dumps({"posting": posting, "results": rows}, indent=2, ensure_ascii=False))
        return 0
    print(f"{'rank':>4}  {'score':>5}  {'file':<40} matched / missing skills")
    for rank, row in enumerate(rows, 1):
        if "error_code" in row:
            print(f"{rank:>4}  {'-':>5}  {row['file'][:40]:<40} {row['error_code']}")
            continue
        matched = ", ".join(m["skill"] for m in row["matched_skills"][:6])
        missing = ", ".join(row["missing_skills"][:4])
        print(f"{rank:>4}  {row['score']:>5.1f}  {row['file'][:40]:<40} {matched} / {missing}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    match = sub.add_parser("match", help="rank CVs against a posting")
    match.add_argument(
        "--posting",
        required=True,
        help="the posting: plain text (first line = title) or JSON of resolve_posting fields",
    )
    match.add_argument("--json", action="store_true", help="print JSON instead of a table")
    match.add_argument("files", nargs="+")
    parse = sub.add_parser("parse", help="print one CV's profile as JSON")
    parse.add_argument("file")
    args = parser.parse_args(argv)
    return cmd_match(args) if args.command == "match" else cmd_parse(args)
