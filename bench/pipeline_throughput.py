"""Pipeline throughput: extraction alone vs extract + parse + score, per process.

Usage: python bench/pipeline_throughput.py [--n 200] [--runs 3]

Generates N one- and two-page PDFs (in a temporary folder) from the ranking set's CVs,
then prints one JSON line: CVs per second for extraction only and for the full
pipeline (median of --runs; per wall-clock second and per CPU second, the latter being
steadier on a busy machine), their ratio, and the speed-up from 1 to 2 processes beside
the same speed-up for a pure-Python loop (the machine's ceiling), measured in the run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.extract import extract_text  # noqa: E402
from pipeline.parse import parse_cv  # noqa: E402
from pipeline.score import resolve_posting, score_one  # noqa: E402
from pipeline.taxonomy import get_taxonomy  # noqa: E402

SET_DIR = ROOT / "bench" / "quality_set"


def make_pdfs(folder: Path, n: int) -> list[Path]:
    from fpdf import FPDF

    texts = [p.read_text(encoding="utf-8") for p in sorted((SET_DIR / "cvs").glob("*.txt"))]
    paths = []
    for index in range(n):
        text = texts[index % len(texts)]
        if index % 2:  # every other CV runs to a second page
            text = text + "\nADDITIONAL EXPERIENCE\n" + text.split("\n", 5)[-1]
        pdf = FPDF(format="A4")
        pdf.set_font("Helvetica", size=10)
        pdf.add_page()
        for line in text.splitlines():
            safe = line.encode("latin-1", "replace").decode("latin-1")
            pdf.multi_cell(0, 5, safe or " ", new_x="LMARGIN", new_y="NEXT")
        path = folder / f"cv{index:05d}.pdf"
        pdf.output(str(path))
        paths.append(path)
    return paths


@lru_cache(maxsize=1)
def _posting() -> dict[str, Any]:
    fields = json.loads((SET_DIR / "postings.json").read_text(encoding="utf-8"))["nurse"]
    return resolve_posting(**fields)


def extract_only(paths: list[Path]) -> tuple[float, float]:
    """(CVs per wall-clock second, CVs per CPU second) for extraction alone."""
    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        extract_text(path, "pdf")
    return _rates(len(paths), started, cpu)


def full_pipeline(paths: list[Path]) -> tuple[float, float]:
    """(CVs per wall-clock second, CVs per CPU second) for extract + parse + score."""
    posting = _posting()
    get_taxonomy()
    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        score_one(posting, parse_cv(extract_text(path, "pdf")).to_dict())
    return _rates(len(paths), started, cpu)


def _rates(count: int, started: float, cpu: float) -> tuple[float, float]:
    wall = time.perf_counter() - started
    return count / wall, count / max(time.process_time() - cpu, 1e-9)


def _worker(paths: list[Path]) -> int:
    full_pipeline(paths[:2])  # warm the taxonomy and imports before timing
    full_pipeline(paths)
    return len(paths)


def processes(paths: list[Path], count: int) -> float:
    """CVs per second through a pool of `count` processes fed small batches (one- and
    two-page CVs alternate, so batches balance the load)."""
    batches = [paths[i : i + 10] for i in range(0, len(paths), 10)]
    with get_context("spawn").Pool(count) as pool:
        pool.map(_worker, [paths[:2]] * count, chunksize=1)  # start-up is not throughput
        started = time.perf_counter()
        pool.map(full_pipeline, batches, chunksize=1)
        return len(paths) / (time.perf_counter() - started)


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def spin_scaling(n: int = 20_000_000) -> float:
    """The machine's own ceiling: a pure-Python loop on 2 processes vs 1."""
    rates = []
    for count in (1, 2):
        with get_context("spawn").Pool(count) as pool:
            pool.map(_spin, [10] * count)
            started = time.perf_counter()
            pool.map(_spin, [n // count] * count)
            rates.append(n / (time.perf_counter() - started))
    return rates[1] / rates[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="number of PDFs")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_pdfs(Path(tmp), args.n)
        full_pipeline(paths[:5])
        extract_runs = [extract_only(paths) for _ in range(args.runs)]
        full_runs = [full_pipeline(paths) for _ in range(args.runs)]
        extract = statistics.median(r[0] for r in extract_runs)
        full = statistics.median(r[0] for r in full_runs)
        extract_cpu = statistics.median(r[1] for r in extract_runs)
        full_cpu = statistics.median(r[1] for r in full_runs)
        work = paths * 3  # a few seconds per run, so pool overhead does not dominate
        one = statistics.median(processes(work, 1) for _ in range(args.runs))
        two = statistics.median(processes(work, 2) for _ in range(args.runs))
        ceiling = statistics.median(spin_scaling() for _ in range(args.runs))
    print(json.dumps({
        "n": args.n, "runs": args.runs,
        "extract_cvs_per_s": round(extract, 1),
        "pipeline_cvs_per_s": round(full, 1),
        "pipeline_time_over_extract_time": round(extract / full, 2),
        "extract_cvs_per_cpu_s": round(extract_cpu, 1),
        "pipeline_cvs_per_cpu_s": round(full_cpu, 1),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "pool_1_process_cvs_per_s": round(one, 1),
        "pool_2_processes_cvs_per_s": round(two, 1),
        "scaling_2_over_1": round(two / one, 2),
        "pure_cpu_loop_scaling_2_over_1": round(ceiling, 2),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
