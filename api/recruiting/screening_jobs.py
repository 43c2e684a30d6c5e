"""The screening job types, defined in one place: `cv_match` and `cv_rescore`.

Each is its pipeline (pure code in `pipeline.registry`: validate, plan, run a unit) and
the hooks that run on the event loop around it, handed to the engine at start-up by
`api.job_types`.

`cv_match` units parse files (the cache first) and write one `file:{file_id}` result
each. Its finalize hook turns those into candidates (one row per posting and file,
idempotent), caches parsed profiles by sha256 + parser version, and re-scores the
posting's whole pool, because text relevance is fitted on the pool. `cv_rescore` scores
the cached profiles of a posting's candidates again, for example after a PATCH.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api import jobs
from api.config.settings import Settings
from api.entity.job import Job, JobUnit
from api.entity.posting import Posting
from api.recruiting import blobcrypt
from api.recruiting import screening_results as results
from api.recruiting.filestore import PLAIN_PREFIX, LocalFileStore, plain_root, store_of
from pipeline import registry
from pipeline.contract import JSON, RunUnitFn, UnitContext


async def prepare_match(
    session: AsyncSession, job: Job, unit: JobUnit, payload: dict[str, Any]
) -> dict[str, Any]:
    """Add the cached outcomes of this unit's files, so none is parsed twice."""
    hashes = {f["sha256"] for f in payload.get("files", []) if f.get("sha256")}
    return {**payload, "cached": await results.cached_outcomes(session, hashes)}


async def finalize_match(session: AsyncSession, job: Job) -> dict[str, Any] | None:
    return await results.record_match(session, job)


async def prepare_rescore(
    session: AsyncSession, job: Job, unit: JobUnit, payload: dict[str, Any]
) -> dict[str, Any]:
    """The posting's current spec and every candidate's cached profile."""
    posting = await session.get(Posting, job.posting_id) if job.posting_id else None
    if posting is None:
        return {**payload, "candidates": []}
    return {
        **payload,
        "posting": posting.spec,
        "candidates": await results.pool_profiles(session, posting.id),
    }


async def finalize_rescore(session: AsyncSession, job: Job) -> dict[str, Any] | None:
    return await results.record_rescore(session, job)


CV_MATCH = jobs.JobType(
    registry.PIPELINES["cv_match"], prepare=prepare_match, finalize=finalize_match
)
CV_RESCORE = jobs.JobType(
    registry.PIPELINES["cv_rescore"], prepare=prepare_rescore, finalize=finalize_rescore
)
JOB_TYPES = (CV_MATCH, CV_RESCORE)


def _decrypting(run_unit: RunUnitFn, store: LocalFileStore) -> RunUnitFn:
    """`run_unit` on plain copies of the unit's sealed files, in a private folder (in
    memory where the system has /dev/shm) removed when the unit ends."""

    def run(payload: JSON, ctx: UnitContext) -> JSON | None:
        root = plain_root(store)
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=PLAIN_PREFIX, dir=root) as folder:
            files = [_plain(store, item, Path(folder)) for item in payload.get("files", [])]
            return run_unit({**payload, "files": files}, ctx)

    return run


def _plain(store: LocalFileStore, item: JSON, folder: Path) -> JSON:
    """The unit's entry for a file, pointing at a plain copy; a file that cannot be
    decrypted becomes a `FILE_UNREADABLE` error of its own."""
    if not item.get("path") or not item.get("sha256"):
        return item
    try:
        return {**item, "path": str(store.plain_copy(Path(item["path"]).name, folder))}
    except (blobcrypt.BlobCryptError, OSError) as exc:
        detail = str(exc) if isinstance(exc, blobcrypt.BlobCryptError) else "file missing"
        error = {"error_code": "FILE_UNREADABLE", "detail": detail}
        return {**item, "intake_error": error}


def job_types(settings: Settings) -> list[jobs.JobType]:
    """The screening job types; with file encryption keys, `cv_match` parses plain copies."""
    store = store_of(settings)
    if not store.keyring.enabled:
        return list(JOB_TYPES)
    pipeline = CV_MATCH.pipeline
    plain = dataclasses.replace(pipeline, run_unit=_decrypting(pipeline.run_unit, store))
    return [jobs.JobType(plain, prepare=prepare_match, finalize=finalize_match), CV_RESCORE]
