"""Run every benchmark and rewrite docs/benchmarks.md as one table.

    python -m bench.run_all                 # all of them (slow: `make bench`)
    python -m bench.run_all --only push_latency --only jobs_loop
    python -m bench.run_all --list

With `--only`, the other benchmarks' rows already in the doc stay (each row names its
benchmark); the sections below `HAND_WRITTEN` (figures a benchmark cannot print as one
JSON line, such as a browser's) are always kept.

A benchmark is any `bench/<name>.py` with a `__main__` block; each prints one JSON
line of figures (the last line of its output that parses as a JSON object). Every
numeric figure becomes a row: the measure, its goal (from the benchmark's `goals` map
or a `goal_*` figure), the figure, the baseline measured in the same run (a figure
named through BASELINE_SWAPS), the strongest peer's published figure (PEERS) and the
exact command.
Each benchmark has a timeout; one that fails or times out gets a row saying so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "benchmarks.md"
DEFAULT_TIMEOUT = 900
#: per benchmark: timeout in seconds and extra arguments (small defaults live in the scripts)
PLAN: dict[str, dict[str, Any]] = {
    "api_read": {"timeout": 900},
    "push_fanout": {"timeout": 900},
    "e2e_screening": {"timeout": 1800},
    "jobs_throughput": {"timeout": 1200},
    "pipeline_throughput": {"timeout": 1200},
    "quality": {"timeout": 1200, "args": ["--json"]},
    "real_ranking": {"timeout": 1800, "args": ["--json"]},
    "recovery": {"timeout": 900},
    "scale_screening": {"timeout": 5400},
    "scale_out": {"timeout": 1800},
}
#: benchmarks whose figures another benchmark already reports (quality runs the ranking)
EXCLUDE = {"ranking"}
SKIP_KEYS = {"goals", "bench", "command", "meets_goal"}
#: run parameters, not measurements: no row
PARAMS = {"jobs", "concurrency", "samples", "requests", "n", "runs", "nofile", "clients",
          "events", "cvs", "postings", "per_request", "goal_mb", "seconds"}  # fmt: skip
#: (part of a figure's name, what replaces it to name the baseline measured in the same run)
BASELINE_SWAPS: list[tuple[str, str]] = [
    ("busy_4_cpu_units_ms", "idle_ms"),
    ("pipeline_cvs_per_s", "extract_cvs_per_s"),
    ("pipeline_cvs_per_cpu_s", "extract_cvs_per_cpu_s"),
    ("pool_2_processes_cvs_per_s", "pool_1_process_cvs_per_s"),
    ("scaling_2_over_1", "pure_cpu_loop_scaling_2_over_1"),
    ("jobs_per_s_2p", "jobs_per_s_1p"),
    ("workers_3_cvs_per_s", "workers_1_cvs_per_s"),
    ("workers_3_one_pool_process_cvs_per_s", "workers_1_cvs_per_s"),
    ("heartbeat.", "lease_only."),
    ("cvs_per_s", "raw_extract_cvs_per_s"),
    ("preloaded_fork_server.", "spawned_each_loading."),
    ("results.cvmatch.", "best_baseline."),
    ("cvmatch.", "best_baseline."),
    ("cvmatch_", "bare_"),  # api_read: the bare Starlette + aiomysql handler
]
#: goals from the issues, by "benchmark:figure" (figures may also carry their own `goals`)
GOALS: dict[str, str] = {
    "jobs_throughput:concurrency_32.jobs_per_s_1p": "≥ 300 jobs/s",
    "jobs_latency:same_process_ms.p50": "≤ 20 ms",
    "jobs_latency:cross_process_redis_ms.p50": "≤ 200 ms",
    "jobs_loop:default_switch_interval_5ms.busy_4_cpu_units_ms.p99": "≤ 25 ms",
    "jobs_loop:switch_interval_1.0ms.busy_4_cpu_units_ms.p99": "≤ 25 ms",
    "jobs_loop:pipeline_processes_2.busy_4_cpu_units_ms.p99": "≤ 25 ms",
    "push_fanout:rss_per_connection_kb": "≤ 50 KB",
    "push_fanout:lost": "0",
    "push_latency:local.p99_ms": "≤ 50 ms",
    "push_latency:redis.p99_ms": "≤ 100 ms",
    "pipeline_throughput:pipeline_cvs_per_s": "≥ 150 CVs/s",
    "pipeline_throughput:pipeline_time_over_extract_time": "≤ 1.5x",
    "pipeline_throughput:scaling_2_over_1": "≥ 1.7x",
    "intake_memory:rss_growth_mb_max": "≤ 16 MB",
    "intake_memory:rss_growth_mb_median": "≤ 16 MB",
    "quality:parsing.text.name.score": "≥ 0.90",
    "quality:parsing.text.contact.score": "≥ 0.95",
    "quality:parsing.text.graduation_year.score": "≥ 0.85",
    "quality:parsing.text.degree.score": "≥ 0.80",
    "quality:parsing.text.companies.score": "≥ 0.70",
    "quality:parsing.text.years.score": "≥ 0.70",
    "quality:parsing.text.skills.score": "≥ 0.70",
    "quality:ranking.results.cvmatch.MAP": "regression check only (generated CVs)",
    "e2e_screening:e2e_over_raw_extract": "≥ 0.5x raw extraction",
    "e2e_screening:health_during_screening_ms.p99": "≤ 25 ms",
    "scale_screening:memory_growth_mb": "≤ 100 MB",
    "scale_screening:last_over_first_tenth": "≥ 0.8",
    "scale_screening:list_ms_p99": "≤ 50 ms",
    "scale_screening:pool_cpu_s_during_rescore": "0 (nothing re-parsed)",
    "real_ranking:occupations.cvmatch.MAP": "≥ 0.85",
    "real_ranking:occupations.cvmatch.nDCG@10": "≥ 0.88",
    "real_ranking:occupations.ratio.MAP": "≥ 1.15x best baseline",
    "recovery:heartbeat.reclaimed_s": "≤ 10 s",
}
#: the strongest peer's published figure for the same measure, with its source
PEERS: dict[str, str] = {
    "jobs_throughput:concurrency_32.jobs_per_s_1p": "BullMQ (Elixir), one worker, no-op jobs: "
    "4,111 jobs/s on an Apple M2 Pro with Redis (hexdocs.pm/bullmq/benchmarks.html)",
    "jobs_throughput:concurrency_32.jobs_per_s_2p": "BullMQ (Elixir): 5 workers 3.0x one "
    "worker, 10 workers 4.0x (same source)",
    "jobs_latency:same_process_ms.p50": "no published pickup latency for Celery or BullMQ",
    "push_latency:redis.p99_ms": "Centrifugo: p99 delivery ≤ 200 ms at ~500k messages/s to 1M "
    "connections on 20 pods with Redis (centrifugal.dev, 2020-02-10)",
    "push_fanout:rss_per_connection_kb": "no published per-connection memory for Centrifugo",
    "pipeline_throughput:pipeline_cvs_per_s": "no published throughput for Resume-Matcher or "
    "commercial parsers",
    "quality:ranking.results.cvmatch.MAP": "no published ranking figure for Resume-Matcher",
    "real_ranking:occupations.cvmatch.MAP": "no published ranking figure on real CVs for "
    "Resume-Matcher or commercial parsers",
}


#: how to read the table (kept with the generator so a rerun keeps it)
NOTES = [
    "How to read it:",
    "",
    "- Latencies are medians over the runs of each run's p50/p99; rates are medians of",
    "  the runs. Baselines are measured in the same run on the same machine.",
    "- `jobs_loop`: four CPU-bound units in executor threads hold the GIL, so `/health`",
    "  waits behind them (the interpreter switches threads every 5 ms; 1 ms helps but is",
    "  not enough). `pipeline_processes_2` is the design that keeps the loop free: the",
    "  units' CPU work goes to a 2-process pool (`PIPELINE_PROCESSES`, `ctx.offload`).",
    "- `jobs_throughput`: jobs are claimed in batches and finished units are written by a",
    "  group commit, so a no-op job costs well under one commit and about four statements,",
    "  the bench's own polling included (MariaDB's `Questions` and `Com_commit` counters).",
    "  With 8 slots each slot mostly waits for its claim and its finishing commit, so the",
    "  rate follows the database's round-trip time; 32 slots fill each batch until the",
    "  worker's CPU is the limit. With 2 workers, MariaDB and both workers share 2 cores.",
    "- `pipeline_throughput`: one process, generated one- and two-page PDFs; the 2-process",
    "  figure sits beside a pure-Python loop's own 2-process speed-up (the machine's",
    "  ceiling).",
    "- `api_read`: one gunicorn worker on MariaDB, 32 keep-alive clients; the baseline is",
    "  a bare Starlette + aiomysql handler doing the same select on the same table (no",
    "  ORM, authentication, middleware or response model), measured in the same run.",
    "- `real_ranking`: ranking on real CVs (71 in 23 occupations; 79 in 4 as a sanity",
    "  check), rendered to PDF through the upload path, against TF-IDF, BM25 and MiniLM",
    "  in the same run, averaged over two posting styles; see quality.md.",
    "- `quality`: parsing accuracy on the labelled development resumes (text, and PDF and",
    "  DOCX renderings of it) and ranking on the generated set, kept as a regression",
    "  check of the explanation rules; see quality.md.",
]


#: the doc's hand-written sections start at this line; a rerun keeps them
HAND_WRITTEN = "<!-- sections below are written by hand; bench.run_all keeps them -->"


def kept_parts(text: str) -> tuple[dict[str, list[str]], str]:
    """From the doc as it stands: its table rows by benchmark, and its hand-written tail."""
    rows: dict[str, list[str]] = {}
    head, marker, tail = text.partition(HAND_WRITTEN)
    for line in head.splitlines():
        if not line.startswith("| ") or line.startswith(("| measure", "|---")):
            continue
        first = line[2:].split(" |", 1)[0]
        rows.setdefault(first.split(": ", 1)[0], []).append(line)
    return rows, (marker + tail if marker else "")


def discover() -> list[str]:
    names = []
    for path in sorted((REPO / "bench").glob("*.py")):
        if path.stem in {"run_all", "__init__", *EXCLUDE}:
            continue
        if '__name__ == "__main__"' in path.read_text(encoding="utf-8", errors="replace"):
            names.append(path.stem)
    return names


def last_json(output: str) -> dict[str, Any] | None:
    """The last one-line JSON object in `output`, else an indented one that ends it."""
    stripped = output.strip()
    start = 0 if stripped.startswith("{") else stripped.rfind("\n{") + 1
    if start > 0 or stripped.startswith("{"):
        with contextlib.suppress(ValueError):
            whole = json.loads(stripped[start:])
            if isinstance(whole, dict):
                return whole
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
    return None


def run(name: str) -> dict[str, Any]:
    plan = PLAN.get(name, {})
    command = [sys.executable, "-m", f"bench.{name}", *plan.get("args", [])]
    shown = " ".join(["python", "-m", f"bench.{name}", *plan.get("args", [])])
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=plan.get("timeout", DEFAULT_TIMEOUT),
            env=os.environ.copy(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {
            "name": name,
            "command": shown,
            "error": "timed out",
            "seconds": plan.get("timeout"),
        }
    seconds = round(time.monotonic() - started, 1)
    figures = last_json(done.stdout)
    if done.returncode != 0 or figures is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"name": name, "command": shown, "error": f"exit {done.returncode}: {tail[0][:200]}"}
    return {"name": name, "command": shown, "figures": figures, "seconds": seconds}


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in SKIP_KEYS and not prefix:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            continue
        else:
            flat[name] = value
    return flat


def _goal(key: str, figures: dict[str, Any], bench: str) -> str:
    if f"{bench}:{key}" in GOALS:
        return GOALS[f"{bench}:{key}"]
    goals = figures.get("goals") if isinstance(figures.get("goals"), dict) else {}
    leaf = key.rsplit(".", 1)[-1]
    for name in (key, key.replace(".", "_"), leaf):
        if name in goals:
            return str(goals[name])
    return "—"


def rows_for(result: dict[str, Any]) -> list[list[str]]:
    command = f"`{result['command']}`"
    name = result["name"]
    if "error" in result:
        return [[name, "—", f"not measured ({result['error']})", "—", "—", command]]
    figures = result["figures"]
    flat = flatten(figures)
    rows = []
    for key, value in flat.items():
        if key.startswith("goal") or key.rsplit(".", 1)[-1] in PARAMS:
            continue
        baseline = None
        for part, replacement in BASELINE_SWAPS:
            if part in key and (other := key.replace(part, replacement)) != key:
                baseline = flat.get(other)
                if baseline is not None:
                    break
        rows.append(
            [
                f"{name}: {key}",
                _goal(key, figures, name),
                _fmt(value),
                _fmt(baseline) if baseline is not None else "—",
                PEERS.get(f"{name}:{key}", ""),
                command,
            ]
        )
    return rows


def _fmt(value: Any) -> str:
    return f"{value:,.3g}" if isinstance(value, float) and abs(value) < 1000 else f"{value:,}"


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    )


def render(results: list[dict[str, Any]], existing: str = "", keep_rows: bool = False) -> str:
    """The doc: this run's rows and, from the `existing` doc, the hand-written sections
    and (with `keep_rows`) the rows of benchmarks this run did not redo; by name."""
    old_rows, tail = kept_parts(existing)
    old_rows = old_rows if keep_rows else {}
    fresh = {result["name"]: result for result in results}
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}. Written by `make bench` (`python -m bench.run_all`);",
        "each figure and its baseline come from one run of its benchmark. Rerun one with",
        "`python -m bench.run_all --only <name>` (its rows are replaced, the others stay;",
        "the machine line then gives the time of that rerun).",
        "",
        "| measure | goal | figure | baseline (same run) | strongest peer (published) | command |",
        "|---|---|---|---|---|---|",
    ]
    for name in sorted({*fresh, *old_rows}):
        if name in fresh:
            lines += ["| " + " | ".join(row) + " |" for row in rows_for(fresh[name])]
        else:
            lines += old_rows[name]
    text = "\n".join([*lines, "", *NOTES]) + "\n"
    return text + ("\n" + tail.rstrip() + "\n" if tail else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", default=[], help="a benchmark name")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, keep the doc")
    parser.add_argument(
        "--render-from",
        type=Path,
        help="rewrite the doc from the result lines an earlier run printed (no rerun)",
    )
    args = parser.parse_args()
    if args.render_from:
        lines = args.render_from.read_text(encoding="utf-8").splitlines()
        kept = [json.loads(line) for line in lines if line.startswith('{"name"')]
        text = render(kept, DOC.read_text(encoding="utf-8"), keep_rows=True)
        DOC.write_text(text, encoding="utf-8")
        return
    names = discover()
    if args.list:
        print("\n".join(names))
        return
    unknown = set(args.only) - set(names)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = []
    for name in args.only or names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.append(run(name))
        print(json.dumps(results[-1]), flush=True)
    existing = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    text = render(results, existing, keep_rows=bool(args.only))
    if args.no_write:
        print(text)
    else:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
