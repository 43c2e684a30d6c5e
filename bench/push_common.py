"""Shared by the push benchmarks: a migrated scratch database, a server, a user."""

from __future__ import annotations

import resource
import statistics
import tempfile
from pathlib import Path
from typing import Any

from tests.support import database as db


def scratch_database(url: str | None) -> tuple[str, Path]:
    """A migrated SQLite file in a temp dir unless `url` is given (then migrated in place)."""
    tmp = Path(tempfile.mkdtemp(prefix="push-bench-"))
    url = url or db.sqlite_url(tmp / "bench.db")
    db.migrate(url)
    return url, tmp


def raise_nofile(wanted: int) -> int:
    """Raise the soft open-file limit (inherited by the server subprocess)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(wanted, soft)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentiles(samples_ms: list[float]) -> dict[str, Any]:
    if not samples_ms:
        return {"n": 0}
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(ordered[-1], 2),
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
