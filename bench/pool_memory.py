"""Memory of the pipeline's worker processes: preloaded fork server vs fresh spawns.

    python -m bench.pool_memory [--processes 2]

Starts the job engine's process pool as the service does (`ProcessOffload`: a fork
server that has imported the pipeline and loaded the taxonomy and occupation index,
`pipeline.warm`), parses CVs in every process, then reads each process's memory from
`/proc/<pid>/smaps_rollup`: RSS, PSS (shared pages split between the processes sharing
them) and USS (pages only it holds). The baseline, measured in the same run, is a pool
of freshly spawned interpreters that each load their own copy. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.jobs.engine.offload import pool_context  # noqa: E402

SET_DIR = ROOT / "bench" / "quality_set" / "cvs"


def parse_here(text: str) -> int:
    """Parse one CV in a pool process; its pid."""
    from pipeline.parse import parse_cv

    parse_cv(text)
    time.sleep(0.02)  # so every process of the pool gets some of the work
    return os.getpid()


def memory_kb(pid: int) -> dict[str, int]:
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as rollup:
        for line in rollup:
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                fields[name] = int(value.split()[0])
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0),
    }


def measure(context: multiprocessing.context.BaseContext, processes: int) -> dict[str, float]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SET_DIR.glob("*.txt"))[:60]]
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        pids = set(pool.map(parse_here, texts))
        figures = [memory_kb(pid) for pid in pids]
    return {
        f"{kind}_mb_per_process": round(statistics.mean(f[kind] for f in figures) / 1024, 1)
        for kind in ("rss", "pss", "uss")
    } | {"processes_seen": len(figures)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    preloaded = measure(pool_context(), args.processes)
    spawned = measure(multiprocessing.get_context("spawn"), args.processes)
    print(json.dumps({
        "processes": args.processes,
        "preloaded_fork_server": preloaded,
        "spawned_each_loading": spawned,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
