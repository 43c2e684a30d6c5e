"""Run every benchmark and rewrite docs/benchmarks.md as one table.

    python -m bench.run_all                 # all of them (slow: `make bench`)
    python -m bench.run_all --only push_latency --only jobs_loop
    python -m bench.run_all --list

A benchmark is any `bench/<name>.py` with a `__main__` block; each prints one JSON
line of figures (the last line of its output that parses as a JSON object). Every
numeric figure becomes a row: the measure, its goal (from the benchmark's `goals` map
or a `goal_*` figure), the figure, the baseline measured in the same run (a figure
named in BASELINES, or one whose name says `baseline`) and the exact command.
Each benchmark has a timeout; one that fails or times out gets a row saying so.
"""

from __future__ import annotations

import argparse
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
    "e2e_screening": {"timeout": 1800},
    "jobs_throughput": {"timeout": 1200},
    "pipeline_throughput": {"timeout": 1200},
    "quality": {"timeout": 1200},
}
#: figure -> the figure measured in the same run that it is compared with
BASELINES: dict[str, str] = {
    "full_pipeline_cvs_per_s": "extract_only_cvs_per_s",
    "busy_p99_ms": "idle_p99_ms",
    "busy_p50_ms": "idle_p50_ms",
}
SKIP_KEYS = {"goals", "bench", "command", "meets_goal"}


def discover() -> list[str]:
    names = []
    for path in sorted((REPO / "bench").glob("*.py")):
        if path.stem in {"run_all", "__init__"}:
            continue
        if '__name__ == "__main__"' in path.read_text(encoding="utf-8", errors="replace"):
            names.append(path.stem)
    return names


def last_json(output: str) -> dict[str, Any] | None:
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


def _goal(key: str, figures: dict[str, Any], flat: dict[str, Any]) -> str:
    goals = figures.get("goals") if isinstance(figures.get("goals"), dict) else {}
    leaf = key.rsplit(".", 1)[-1]
    for name in (key, key.replace(".", "_"), leaf):
        if name in goals:
            return str(goals[name])
    for name, value in flat.items():
        if name.startswith("goal") and name.split("_", 1)[-1] in leaf:
            return str(value)
    return "—"


def rows_for(result: dict[str, Any]) -> list[list[str]]:
    command = f"`{result['command']}`"
    if "error" in result:
        return [[result["name"], "—", f"not measured ({result['error']})", "—", command]]
    figures = result["figures"]
    flat = flatten(figures)
    rows = []
    for key, value in flat.items():
        if key.startswith("goal"):
            continue
        base_key = BASELINES.get(key.rsplit(".", 1)[-1])
        prefix = key.rsplit(".", 1)[0] + "." if "." in key else ""
        baseline = flat.get(prefix + base_key) if base_key else None
        if baseline is None and base_key is None:
            baseline = next((v for k, v in flat.items() if "baseline" in k and k != key), None)
        rows.append(
            [
                f"{result['name']}: {key}",
                _goal(key, figures, flat),
                _fmt(value),
                _fmt(baseline) if baseline is not None else "—",
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


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}. Written by `make bench` (`python -m bench.run_all`);",
        "every figure and its baseline come from this one run. Rerun one benchmark with",
        "`python -m bench.run_all --only <name>` (that rewrites this file with it alone).",
        "",
        "| measure | goal | figure | baseline (same run) | command |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        lines += ["| " + " | ".join(row) + " |" for row in rows_for(result)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", default=[], help="a benchmark name")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, keep the doc")
    args = parser.parse_args()
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
    text = render(results)
    if args.no_write:
        print(text)
    else:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
