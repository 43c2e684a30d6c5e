"""`make bench` rewrites docs/benchmarks.md: a rerun of one benchmark replaces its rows
only, and the hand-written sections survive every rerun."""

from __future__ import annotations

from bench import run_all

OLD = "\n".join([
    "# Benchmarks", "",
    "| measure | goal | figure | baseline (same run) | strongest peer (published) | command |",
    "|---|---|---|---|---|---|",
    "| alpha: rate | — | 1 | — |  | `python -m bench.alpha` |",
    "| beta: rate | — | 2 | — |  | `python -m bench.beta` |",
    "| gamma | — | not measured (exit 1: boom) | — | — | `python -m bench.gamma` |",
    "", run_all.HAND_WRITTEN, "", "## By hand", "", "| a: b | c |", "", "kept text", "",
])  # fmt: skip
FRESH = {"name": "beta", "command": "python -m bench.beta", "figures": {"rate": 7}}


def test_a_rerun_of_one_benchmark_keeps_the_other_rows_and_the_hand_sections() -> None:
    text = run_all.render([FRESH], OLD, keep_rows=True)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert [row.split(" |")[0] for row in rows] == ["| alpha: rate", "| beta: rate", "| gamma"]
    assert "| beta: rate | — | 7 |" in text and "| 2 |" not in text
    assert text.rstrip().endswith("## By hand\n\n| a: b | c |\n\nkept text")
    assert text.count("| a: b | c |") == 1
    assert text.count(run_all.HAND_WRITTEN) == 1


def test_a_full_run_drops_rows_it_did_not_make_but_keeps_the_hand_sections() -> None:
    text = run_all.render([FRESH], OLD)
    assert "alpha" not in text and "gamma" not in text and "| beta: rate | — | 7 |" in text
    assert "kept text" in text
    assert run_all.render([FRESH]).count(run_all.HAND_WRITTEN) == 0
