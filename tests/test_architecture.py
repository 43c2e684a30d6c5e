"""The import contracts in pyproject.toml (checked by `make lint`) fail when broken.

Each case copies the code to a temporary folder, adds one import that a contract
forbids, and runs import-linter there on that contract alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: (contract id, file, an import that breaks the contract)
BREAKS = [
    ("pipeline-independent", "pipeline/score.py", "from api.jobs import read"),
    ("layers", "api/recruiting/posting.py", "from api.socket import push"),
    ("layers", "api/core/errors.py", "from api.entity import base"),
    ("no-controllers-below", "api/recruiting/file.py", "from api.controller import deps"),
    ("engine-standalone", "api/jobs/read.py", "from api.recruiting import user"),
    ("engine-internals", "api/controller/job.py", "from api.jobs.engine import claims"),
    ("engine-internals", "api/recruiting/screening.py", "from api.jobs.engine import eventlog"),
    ("acyclic", "api/jobs/engine/finisher.py", "from api.jobs.engine import runner"),
]


def _lint(root: Path, contract: str | None = None) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo"]
    if contract:
        args += ["--contract", contract]
    return subprocess.run(
        args, cwd=root, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    keep = shutil.ignore_patterns("__pycache__", "static", "data")
    for package in ("api", "pipeline"):
        shutil.copytree(REPO / package, root / package, ignore=keep)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_code_keeps_every_contract(tmp_path: Path) -> None:
    done = _lint(_copy(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("contract", "path", "line"), BREAKS)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, contract: str, path: str, line: str
) -> None:
    root = _copy(tmp_path)
    with (root / path).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}  # noqa\n")
    done = _lint(root, contract)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "0 kept, 1 broken" in done.stdout
