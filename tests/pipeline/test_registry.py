from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipeline import PARSER_VERSION
from pipeline.registry import CHUNK_SIZE, PIPELINES, get_pipeline
from pipeline.score import resolve_posting
from tests.pipeline.fixtures import make_cv_pdf, make_cv_text


@dataclass
class FakeContext:
    """An in-memory UnitContext; cancels after `cancel_after` progress reports."""

    job_id: str = "job-1"
    unit_index: int = 0
    attempt: int = 1
    resume: dict[str, Any] | None = None
    cancel_after: int | None = None
    reports: list[tuple[int, int, str | None, str | None]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)

    def report(self, done: int, total: int, stage: str | None = None,
               message: str | None = None) -> None:  # fmt: skip
        self.reports.append((done, total, stage, message))

    def log(self, level: str, message: str) -> None:
        self.logs.append((level, message))

    def emit(self, type: str, data: dict[str, Any]) -> None:
        self.events.append((type, data))

    def put_result(self, key: str, value: dict[str, Any]) -> None:
        self.results[key] = value

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.reports) >= self.cancel_after

    def checkpoint(self, state: dict[str, Any]) -> None:
        self.checkpoints.append(state)

    def offload(self, fn: Any, *args: Any) -> Any:
        return fn(*args)

    def offload_map(self, fn: Any, items: Any) -> Any:
        return (fn(item) for item in items)


def test_registry_contents() -> None:
    built_in = {"noop", "sleep", "cv_match", "cv_rescore"}
    assert built_in <= set(PIPELINES)
    # other test modules register their own pipelines; only test-only ones may be added
    assert all(PIPELINES[name].test_only for name in set(PIPELINES) - built_in)
    assert get_pipeline("nope") is None
    noop, sleep = PIPELINES["noop"], PIPELINES["sleep"]
    assert noop.test_only and noop.public and sleep.test_only and sleep.public
    assert not PIPELINES["cv_match"].public and not PIPELINES["cv_rescore"].public
    assert isinstance(PARSER_VERSION, str)


def test_noop() -> None:
    noop = PIPELINES["noop"]
    assert noop.validate({}) == {}
    with pytest.raises(ValueError):
        noop.validate({"x": 1})
    assert noop.plan({}) == [{}]
    ctx = FakeContext()
    noop.run_unit({}, ctx)
    assert ctx.reports[-1][:2] == (1, 1)


@pytest.mark.parametrize(
    "params",
    [{"seconds": -1, "steps": 1}, {"seconds": 4000, "steps": 1}, {"seconds": 1, "steps": 0},
     {"seconds": 1, "steps": 10_001}, {"seconds": "1", "steps": 1}, {"seconds": 1, "x": 2},
     {"seconds": 1, "steps": 1.5}],
)  # fmt: skip
def test_sleep_rejects_bad_params(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PIPELINES["sleep"].validate(params)


def test_sleep_cancel_and_resume() -> None:
    sleep = PIPELINES["sleep"]
    params = sleep.validate({"seconds": 0.0, "steps": 10})
    [unit] = sleep.plan(params)
    first = FakeContext(cancel_after=4)
    sleep.run_unit(unit, first)
    assert [r[0] for r in first.reports] == [1, 2, 3, 4]
    resumed = FakeContext(resume=first.checkpoints[-1])
    sleep.run_unit(unit, resumed)
    assert [r[0] for r in resumed.reports] == [5, 6, 7, 8, 9, 10]
    assert resumed.checkpoints[-1] == {"step": 10}


def _files(tmp_path: Path, count: int) -> list[dict[str, Any]]:
    files = []
    for index in range(count):
        path = tmp_path / f"cv{index}.txt"
        path.write_text(make_cv_text("nurse", seed=index, name=f"Person Number{'x' * index}"))
        files.append({"file_id": f"f{index}", "filename": path.name, "path": str(path),
                      "sha256": f"sha{index}", "kind": "txt", "intake_error": None})  # fmt: skip
    return files


def _posting() -> dict[str, Any]:
    return resolve_posting(title="Registered Nurse", description="Requirements:\n- Wound care, BLS")


def test_cv_match_plan_chunks() -> None:
    match = PIPELINES["cv_match"]
    files = [{"file_id": str(i), "filename": "a", "path": "/x", "sha256": "s"} for i in range(120)]
    params = match.validate({"posting": _posting(), "files": files})
    units = match.plan(params)
    assert [len(u["files"]) for u in units] == [CHUNK_SIZE, CHUNK_SIZE, 20]
    with pytest.raises(ValueError):
        match.validate({"posting": {}, "files": []})


def test_cv_match_bad_files_do_not_fail_the_unit(tmp_path: Path) -> None:
    files = _files(tmp_path, 2)
    corrupt = tmp_path / "bad.pdf"
    corrupt.write_bytes(b"%PDF-1.4 nonsense")
    files.append({"file_id": "bad", "filename": "bad.pdf", "path": str(corrupt),
                  "sha256": "bad", "kind": "pdf", "intake_error": None})  # fmt: skip
    files.append({"file_id": "exe", "filename": "x.pdf", "path": str(corrupt), "sha256": "exe",
                  "kind": None, "intake_error": {"error_code": "UNSUPPORTED_TYPE",
                                                 "detail": "not a CV"}})  # fmt: skip
    files.append({"file_id": "gone", "filename": "gone.txt", "path": str(tmp_path / "missing"),
                  "sha256": "gone", "kind": "txt", "intake_error": None})  # fmt: skip
    ctx = FakeContext()
    PIPELINES["cv_match"].run_unit({"posting": _posting(), "files": files}, ctx)
    assert ctx.results["file:f0"]["status"] == "ok"
    assert ctx.results["file:f0"]["score"] > 0
    assert ctx.results["file:bad"]["error_code"] == "PDF_CORRUPT"
    assert ctx.results["file:exe"]["error_code"] == "UNSUPPORTED_TYPE"
    assert ctx.results["file:gone"]["status"] == "error"
    assert [e[1]["status"] for e in ctx.events] == ["ok", "ok", "error", "error", "error"]
    assert ctx.reports[-1][:3] == (5, 5, "parsing")


def test_cv_match_uses_cache_and_resumes(tmp_path: Path) -> None:
    files = _files(tmp_path, 4)
    posting = _posting()
    first = FakeContext(cancel_after=2)
    PIPELINES["cv_match"].run_unit({"posting": posting, "files": files}, first)
    assert set(first.results) == {"file:f0", "file:f1"}
    cached_profile = first.results["file:f0"]["profile"]
    payload = {"posting": posting, "files": files, "cached": {"sha3": cached_profile}}
    second = FakeContext(resume=first.checkpoints[-1])
    PIPELINES["cv_match"].run_unit(payload, second)
    assert set(second.results) == {"file:f2", "file:f3"}
    assert second.results["file:f3"]["profile"] == cached_profile  # taken from the cache
    assert second.checkpoints[-1] == {"next": 4}


def test_cv_match_unexpected_error_is_parse_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import registry

    def boom(text: str) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(registry, "parse_cv", boom)
    ctx = FakeContext()
    PIPELINES["cv_match"].run_unit({"posting": _posting(), "files": _files(tmp_path, 1)}, ctx)
    assert ctx.results["file:f0"]["error_code"] == "PARSE_FAILED"


def test_cv_match_reads_pdf(tmp_path: Path) -> None:
    path = make_cv_pdf(tmp_path / "cv.pdf", occupation="nurse", photo=True)
    item = {"file_id": "p", "filename": "cv.pdf", "path": str(path), "sha256": "p",
            "kind": "pdf", "intake_error": None}  # fmt: skip
    ctx = FakeContext()
    PIPELINES["cv_match"].run_unit({"posting": _posting(), "files": [item]}, ctx)
    result = ctx.results["file:p"]
    assert result["profile"]["protected"]["has_photo"] is True
    assert ctx.events[0][1]["name"] == "Jordan Avery"


def test_cv_rescore(tmp_path: Path) -> None:
    from pipeline.parse import parse_cv

    rescore = PIPELINES["cv_rescore"]
    candidates = [
        {"candidate_id": "a", "profile": parse_cv(make_cv_text("nurse")).to_dict()},
        {"candidate_id": "b", "profile": parse_cv(make_cv_text("lawyer")).to_dict()},
    ]
    params = rescore.validate({"posting": _posting(), "candidates": candidates})
    [unit] = rescore.plan(params)
    ctx = FakeContext()
    rescore.run_unit(unit, ctx)
    assert ctx.results["candidate:a"]["score"] > ctx.results["candidate:b"]["score"]
    assert ctx.reports[-1][:2] == (2, 2)
