"""Parsing and ranking quality.

Usage:
    python bench/quality.py [--resumes PATH] [--limit N] [--no-render] [--json]

Parsing: the labelled DataTurks development resumes, parsed from their text and
from PDF and DOCX renderings of it (made in a temporary folder, never kept).
Ranking: bench/quality_set, cvmatch against TF-IDF, BM25 and skill-overlap baselines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.parse_quality import DEFAULT_SET, evaluate, load_set, reference_date  # noqa: E402
from bench.ranking import evaluate_ranking  # noqa: E402
from pipeline.errors import ExtractionError  # noqa: E402
from pipeline.extract import extract_text  # noqa: E402
from pipeline.parse import parse_cv  # noqa: E402
from pipeline.taxonomy import get_taxonomy  # noqa: E402
from pipeline.types import Profile  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def render_pdf(text: str, path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    if FONT.exists():
        pdf.add_font("DejaVu", "", str(FONT))
        pdf.set_font("DejaVu", size=9)
    else:
        pdf.set_font("Helvetica", size=9)
        text = text.encode("latin-1", "replace").decode("latin-1")
    pdf.add_page()
    for line in text.splitlines():
        pdf.multi_cell(0, 4.5, line or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def render_docx(text: str, path: Path) -> None:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph("".join(ch for ch in line if ch.isprintable() or ch == "\t"))
    document.save(str(path))


def _through_file(kind: str, folder: Path) -> Any:
    """Render, extract, parse. Renderings are cached in `folder` (outside the repo)."""

    def run(row: dict[str, Any]) -> Profile | None:
        digest = hashlib.sha256(row["content"].encode()).hexdigest()[:20]
        path = folder / f"{digest}.{kind}"
        if not path.exists():
            (render_pdf if kind == "pdf" else render_docx)(row["content"], path)
        try:
            text = extract_text(path, kind)
        except ExtractionError:
            return None
        return parse_cv(text, today=reference_date(row["content"]))

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resumes", type=Path, default=DEFAULT_SET)
    parser.add_argument("--limit", type=int, default=0, help="only the first N resumes")
    parser.add_argument("--no-render", action="store_true", help="skip PDF/DOCX renderings")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "cvmatch-renders",
        help="where PDF/DOCX renderings are kept between runs",
    )
    args = parser.parse_args()
    taxonomy = get_taxonomy()
    report: dict[str, Any] = {}
    if args.resumes.exists():
        rows = load_set(args.resumes)[: args.limit or None]
        report["parsing"] = {"text": evaluate(
            rows, lambda r: parse_cv(r["content"], today=reference_date(r["content"])), taxonomy
        )}  # fmt: skip
        if not args.no_render:
            args.cache.mkdir(parents=True, exist_ok=True)
            for kind in ("pdf", "docx"):
                report["parsing"][kind] = evaluate(rows, _through_file(kind, args.cache),
                                                   taxonomy)  # fmt: skip
    report["ranking"] = evaluate_ranking()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    return 0


def _print(report: dict[str, Any]) -> None:
    parsing = report.get("parsing", {})
    if parsing:
        fields = list(parsing["text"])
        print(f"{'field':<16}" + "".join(f"{k:>16}" for k in parsing))
        for field in fields:
            cells = [f"{v[field]['score']:.3f} (n={v[field]['n']})" for v in parsing.values()
                     if isinstance(v.get(field), dict)]  # fmt: skip
            print(f"{field:<16}" + "".join(f"{c:>16}" for c in cells))
    ranking = report["ranking"]
    print(f"\nranking: {ranking['postings']} postings x {ranking['cvs']} CVs")
    for name, figures in ranking["results"].items():
        print(f"{name:<16} MAP {figures['MAP']:.3f}   nDCG@10 {figures['nDCG@10']:.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
