"""The pipelines the job engine can run."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

from pipeline.contract import JSON, PipelineDef, UnitContext
from pipeline.errors import ExtractionError
from pipeline.extract import extract_document
from pipeline.parse import parse_cv
from pipeline.score import score_one, score_pool

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50


# --- noop -----------------------------------------------------------------------------------


def _noop_validate(params: JSON) -> JSON:
    if params:
        raise ValueError("noop takes no parameters")
    return {}


def _noop_run(payload: JSON, ctx: UnitContext) -> JSON | None:
    ctx.report(1, 1, "done")
    return None


# --- sleep ----------------------------------------------------------------------------------


def _sleep_validate(params: JSON) -> JSON:
    unknown = set(params) - {"seconds", "steps"}
    if unknown:
        raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")
    seconds = params.get("seconds", 1.0)
    steps = params.get("steps", 1)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError("seconds must be a number")
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise ValueError("steps must be an integer")
    if not 0 <= seconds <= 3600:
        raise ValueError("seconds must be between 0 and 3600")
    if not 1 <= steps <= 10_000:
        raise ValueError("steps must be between 1 and 10000")
    return {"seconds": float(seconds), "steps": steps}


def _sleep_run(payload: JSON, ctx: UnitContext) -> JSON | None:
    steps = int(payload["steps"])
    pause = float(payload["seconds"]) / steps
    start = int((ctx.resume or {}).get("step", 0))
    for step in range(start, steps):
        if ctx.cancelled():
            return None
        time.sleep(pause)
        ctx.report(step + 1, steps, "sleeping")
        ctx.checkpoint({"step": step + 1})
    return None


# --- cv_match -------------------------------------------------------------------------------


def _match_validate(params: JSON) -> JSON:
    posting = params.get("posting")
    files = params.get("files")
    if not isinstance(posting, dict) or "weights" not in posting:
        raise ValueError("posting must be a resolved posting spec")
    if not isinstance(files, list):
        raise ValueError("files must be a list")
    for item in files:
        if not isinstance(item, dict) or not {"file_id", "filename", "path", "sha256"} <= set(item):
            raise ValueError("each file needs file_id, filename, path and sha256")
    return {"posting": posting, "files": files}


def _match_plan(params: JSON) -> list[JSON]:
    files = params["files"]
    starts = range(0, len(files), CHUNK_SIZE) if files else [0]
    return [{"posting": params["posting"], "files": files[i : i + CHUNK_SIZE]} for i in starts]


def parse_file(item: JSON) -> JSON:
    """Extract and parse one file: `{"profile": ...}` or `{"error_code", "detail"}`."""
    kind = item.get("kind")
    if kind is None:
        return {"error_code": "UNSUPPORTED_TYPE", "detail": "unsupported file type"}
    try:
        document = extract_document(Path(item["path"]), str(kind))
    except ExtractionError as exc:
        return {"error_code": exc.code, "detail": exc.detail}
    profile = parse_cv(document.text)
    profile.protected["has_photo"] = document.has_image
    return {"profile": profile.to_dict()}


def screen_file(work: tuple[JSON, JSON]) -> JSON:
    """Extract, parse and score one file against the posting (in a pool process when the
    engine has one): the file's result. Never raises: a file that cannot be parsed is a
    `PARSE_FAILED` result, so one bad file cannot stop its unit."""
    item, posting = work
    try:
        outcome = parse_file(item)
    except Exception:
        logger.exception("parsing failed for file %s", item.get("file_id"))
        outcome = {"error_code": "PARSE_FAILED", "detail": "the file could not be parsed"}
    return _match_result(posting, item, outcome)


def _known_outcome(item: JSON, cached: dict[str, Any]) -> JSON | None:
    """The outcome of a file that needs no parsing (an intake error, a cached profile)."""
    if item.get("intake_error"):
        error = item["intake_error"]
        return {"error_code": error.get("error_code"), "detail": error.get("detail")}
    if item.get("sha256") in cached:
        hit = cached[item["sha256"]]
        if "profile" in hit:
            return dict(hit)
        if "error_code" in hit and "skills" not in hit:
            return {"error_code": hit["error_code"], "detail": hit.get("detail")}
        return {"profile": hit}
    return None


def _match_result(posting: JSON, item: JSON, outcome: JSON) -> JSON:
    profile = outcome.get("profile")
    scored: JSON = {"score": None, "breakdown": None, "matched_skills": [], "missing_skills": []}
    if profile is not None:
        scored = score_one(posting, profile)
    return {
        "file_id": item["file_id"],
        "filename": item["filename"],
        "sha256": item.get("sha256"),
        "status": "ok" if profile is not None else "error",
        "error_code": None if profile is not None else outcome.get("error_code"),
        "detail": None if profile is not None else outcome.get("detail"),
        "profile": profile,
        **scored,
    }


def _results(
    posting: JSON, files: list[JSON], cached: dict[str, Any], ctx: UnitContext
) -> Generator[JSON, None, None]:
    """Each file's result, in order. Files to parse go to the process pool ahead of
    time, so it stays busy while this thread writes results."""
    known = [_known_outcome(item, cached) for item in files]
    work = [(item, posting) for item, outcome in zip(files, known, strict=True) if outcome is None]
    screened = ctx.offload_map(screen_file, work)
    try:
        for item, outcome in zip(files, known, strict=True):
            yield next(screened) if outcome is None else _match_result(posting, item, outcome)
    finally:
        close = getattr(screened, "close", None)
        if close is not None:
            close()  # drop the calls submitted ahead and not needed any more


def _match_run(payload: JSON, ctx: UnitContext) -> JSON | None:
    posting = payload["posting"]
    files = payload["files"]
    cached = payload.get("cached") or {}
    blind = bool(posting.get("blind"))  # blind review: events name no one, no file
    total = len(files)
    start = int((ctx.resume or {}).get("next", 0))
    results = _results(posting, files[start:], cached, ctx)
    try:
        for index, result in enumerate(results, start):
            if ctx.cancelled():
                return None
            ctx.put_result(f"file:{result['file_id']}", result)
            name = (result["profile"] or {}).get("name")
            event_keys = ("file_id", "filename", "status", "error_code", "detail", "score")
            # the score of a file alone: final once the pool is scored together at the end
            event = {**{k: result[k] for k in event_keys}, "name": name, "provisional": True}
            if blind:
                del event["filename"], event["name"]
            ctx.emit("job.file", event)
            ctx.report(index + 1, total, "parsing", None if blind else result["filename"])
            ctx.checkpoint({"next": index + 1})
    finally:
        results.close()
    return None


# --- cv_rescore -----------------------------------------------------------------------------


def _rescore_validate(params: JSON) -> JSON:
    posting, candidates = params.get("posting"), params.get("candidates")
    if not isinstance(posting, dict) or not isinstance(candidates, list):
        raise ValueError("cv_rescore needs posting and candidates")
    return {"posting": params["posting"], "candidates": params["candidates"]}


def _rescore_run(payload: JSON, ctx: UnitContext) -> JSON | None:
    candidates = payload["candidates"]
    total = len(candidates)
    ctx.report(0, total, "scoring")
    scores = score_pool(payload["posting"], [c["profile"] for c in candidates])
    for index, (candidate, scored) in enumerate(zip(candidates, scores, strict=True)):
        if ctx.cancelled():
            return None
        ctx.put_result(f"candidate:{candidate['candidate_id']}",
                       {"candidate_id": candidate["candidate_id"], **scored})  # fmt: skip
        if (index + 1) % 100 == 0 or index + 1 == total:
            ctx.report(index + 1, total, "scoring")
    return None


def _single(params: JSON) -> list[JSON]:
    return [params]


PIPELINES: dict[str, PipelineDef] = {
    "noop": PipelineDef("noop", lambda params: [{}], _noop_run, _noop_validate, True, True),
    "sleep": PipelineDef("sleep", _single, _sleep_run, _sleep_validate, True, True),
    "cv_match": PipelineDef("cv_match", _match_plan, _match_run, _match_validate, False, False),
    "cv_rescore": PipelineDef("cv_rescore", _single, _rescore_run, _rescore_validate),
}


def get_pipeline(name: str) -> PipelineDef | None:
    return PIPELINES.get(name)
