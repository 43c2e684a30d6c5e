"""What finished screening jobs leave behind: candidates, cached profiles, scores, ranks.

Everything here is idempotent: a finalize hook may run again after a crash, and two
screenings of one posting may finish at once, so rows are upserted on their unique
keys and the ranking is always recomputed from the whole pool.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.entity.base import new_id, utcnow
from api.entity.candidate import Candidate, ProfileCache
from api.entity.job import Job, JobResult
from api.entity.posting import Posting
from pipeline import PARSER_VERSION
from pipeline.score import score_pool

logger = logging.getLogger(__name__)

BATCH = 500
#: errors that depend only on the file's bytes, so are worth caching
CACHEABLE_ERRORS = frozenset({"PDF_ENCRYPTED", "PDF_CORRUPT", "NO_TEXT_LAYER", "DOCX_CORRUPT"})
#: one lock per posting being finalized in this process (gone when nobody holds it)
_posting_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _upsert(session: AsyncSession, table: Any, keys: list[str], update_cols: list[str]) -> Any:
    """An INSERT that updates `update_cols` (or does nothing) when `keys` already exist."""
    if session.get_bind().dialect.name == "sqlite":
        lite = sqlite.insert(table)
        if not update_cols:
            return lite.on_conflict_do_nothing(index_elements=keys)
        return lite.on_conflict_do_update(
            index_elements=keys, set_={c: lite.excluded[c] for c in update_cols}
        )
    my = mysql.insert(table)
    cols = update_cols or keys[:1]  # "do nothing" as a no-op assignment
    return my.on_duplicate_key_update({c: my.inserted[c] for c in cols})


def _posting_lock(posting_id: str | None) -> asyncio.Lock:
    lock = _posting_locks.get(posting_id or "")
    if lock is None:
        lock = asyncio.Lock()
        _posting_locks[posting_id or ""] = lock
    return lock


def _batches(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


async def cached_outcomes(session: AsyncSession, hashes: set[str]) -> dict[str, Any]:
    """`{sha256: {"profile": ...} | {"error_code", "detail"}}` for this parser version."""
    found: dict[str, Any] = {}
    for chunk in _batches(sorted(hashes)):
        rows = await session.execute(
            select(ProfileCache.sha256, ProfileCache.profile).where(
                ProfileCache.parser_version == PARSER_VERSION, ProfileCache.sha256.in_(chunk)
            )
        )
        found.update((sha, outcome) for sha, outcome in rows)
    return found


def _cache_row(value: dict[str, Any]) -> dict[str, Any] | None:
    sha = value.get("sha256")
    if not sha:
        return None
    if value.get("profile") is not None:
        outcome: dict[str, Any] = {"profile": value["profile"]}
    elif value.get("error_code") in CACHEABLE_ERRORS:
        outcome = {"error_code": value["error_code"], "detail": value.get("detail")}
    else:
        return None
    return {
        "sha256": sha,
        "parser_version": PARSER_VERSION,
        "profile": outcome,
        "created_at": utcnow(),
    }


def _candidate_row(job: Job, value: dict[str, Any]) -> dict[str, Any]:
    profile = value["profile"]
    now = utcnow()
    return {
        "id": new_id(),
        "posting_id": job.posting_id,
        "owner_id": job.owner_id,
        "file_id": value["file_id"],
        "job_id": job.id,
        "filename": value["filename"],
        "sha256": value["sha256"],
        "name": (profile.get("name") or None),
        "email": (profile.get("email") or None),
        "score": 0.0,
        "rank": None,
        "profile": profile,
        "breakdown": {},
        "matched_skills": [],
        "missing_skills": [],
        "created_at": now,
        "updated_at": now,
    }


async def _record_batch(
    session: AsyncSession,
    job: Job,
    rows: list[JobResult],
    errors: Counter[str],
    profiles: dict[str, dict[str, Any]],
) -> int:
    """Cache and upsert one batch of `file:` results, adding each new candidate's profile
    to `profiles`; write `candidate_id` back into the results and drop their copy of the
    profile, which the candidate and the profile cache now hold."""
    cache = [row for r in rows if (row := _cache_row(r.value)) is not None]
    if cache:
        stmt = _upsert(session, ProfileCache.__table__, ["sha256", "parser_version"], [])
        await session.execute(stmt, list({c["sha256"]: c for c in cache}.values()))
    good = [r for r in rows if r.value.get("profile") is not None]
    for r in rows:
        if r.value.get("profile") is None:
            errors[str(r.value.get("error_code") or "UNKNOWN")] += 1
    if not good:
        return 0
    update_cols = ["job_id", "filename", "sha256", "name", "email", "profile", "updated_at"]
    stmt = _upsert(session, Candidate.__table__, ["posting_id", "file_id"], update_cols)
    await session.execute(stmt, [_candidate_row(job, r.value) for r in good])
    found = await session.execute(
        select(Candidate.file_id, Candidate.id).where(
            Candidate.posting_id == job.posting_id,
            Candidate.file_id.in_([r.value["file_id"] for r in good]),
        )
    )
    ids: dict[str, str] = {str(row[0]): str(row[1]) for row in found}
    for r in good:
        if (ident := ids.get(r.value["file_id"])) is not None:
            profiles[ident] = r.value["profile"]
    # In the database, so the profiles are not sent back and forth once more.
    table = cast(Table, JobResult.__table__)
    slim = (
        update(table)
        .where(table.c.id == bindparam("result_id"))
        .values(value=func.json_remove(
            func.json_set(table.c.value, "$.candidate_id", bindparam("candidate_id")),
            "$.profile",
        ))
    )  # fmt: skip
    await session.execute(
        slim,
        [{"result_id": r.id, "candidate_id": ids.get(r.value["file_id"])} for r in good],
    )
    return len(good)


async def record_match(session: AsyncSession, job: Job) -> dict[str, Any]:
    """cv_match finalize: candidates and cache from the results, then the pool re-scored."""
    async with _posting_lock(job.posting_id):
        posting = await _locked_posting(session, job)
        errors: Counter[str] = Counter()
        profiles: dict[str, dict[str, Any]] = {}
        files = candidates = 0
        last_id = 0
        while True:
            rows = list(
                await session.scalars(
                    select(JobResult)
                    .where(
                        JobResult.job_id == job.id,
                        JobResult.id > last_id,
                        JobResult.key.like("file:%"),
                    )
                    .order_by(JobResult.id)
                    .limit(BATCH)
                )
            )
            if not rows:
                break
            last_id = rows[-1].id
            files += len(rows)
            if posting is not None:
                candidates += await _record_batch(session, job, rows, errors, profiles)
        pool = await rescore_pool(session, posting, profiles) if posting is not None else 0
        await session.commit()
    summary = {
        "files": files,
        "candidates": candidates,
        "failed": files - candidates,
        "errors_by_code": dict(errors),
        "pool": pool,
    }
    logger.info("job %s: %s candidate(s), %s failed", job.id, candidates, files - candidates)
    return summary


async def _locked_posting(session: AsyncSession, job: Job) -> Posting | None:
    if job.posting_id is None:
        return None
    return await session.scalar(
        select(Posting).where(Posting.id == job.posting_id).with_for_update()
    )


async def pool_profiles(
    session: AsyncSession, posting_id: str, known: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Every candidate of the posting with its profile; those in `known` (candidate id ->
    profile, already in memory) are not read again."""
    known = known or {}
    ids = list(await session.scalars(
        select(Candidate.id).where(Candidate.posting_id == posting_id).order_by(Candidate.id)
    ))  # fmt: skip
    profiles = {ident: known[ident] for ident in ids if ident in known}
    for chunk in _batches([ident for ident in ids if ident not in known]):
        rows = await session.execute(
            select(Candidate.id, Candidate.profile).where(Candidate.id.in_(chunk))
        )
        profiles.update((ident, profile) for ident, profile in rows)
    return [{"candidate_id": ident, "profile": profiles[ident]} for ident in ids]


async def rescore_pool(
    session: AsyncSession, posting: Posting, known: dict[str, dict[str, Any]] | None = None
) -> int:
    """Score every candidate of the posting together, then rank them (no commit)."""
    pool = await pool_profiles(session, posting.id, known)
    scores = await asyncio.to_thread(score_pool, posting.spec, [p["profile"] for p in pool])
    await write_scores(
        session, posting.id, {p["candidate_id"]: s for p, s in zip(pool, scores, strict=True)}
    )
    return len(pool)


async def write_scores(
    session: AsyncSession, posting_id: str, scores: dict[str, dict[str, Any]]
) -> None:
    """Store scores and assign ranks 1..n by score (highest first); equal scores by the
    file's SHA-256, so the same files rank the same in any upload order."""
    now = utcnow()
    rows = await session.execute(
        select(Candidate.id, Candidate.sha256).where(Candidate.posting_id == posting_id)
    )
    hashes: dict[str, str] = {row[0]: row[1] for row in rows.all()}
    order = sorted(scores, key=lambda i: (-scores[i]["score"], hashes.get(i, ""), i))
    changes = [
        {
            "id": ident,
            "score": scores[ident]["score"],
            "rank": rank,
            "breakdown": scores[ident]["breakdown"],
            "matched_skills": scores[ident]["matched_skills"],
            "missing_skills": scores[ident]["missing_skills"],
            "updated_at": now,
        }
        for rank, ident in enumerate(order, start=1)
    ]
    for chunk in _batches(changes):
        await session.execute(update(Candidate), chunk)


async def record_rescore(session: AsyncSession, job: Job) -> dict[str, Any]:
    """cv_rescore finalize: the units' new scores, ranked over the pool."""
    async with _posting_lock(job.posting_id):
        posting = await _locked_posting(session, job)
        rows = await session.scalars(
            select(JobResult).where(JobResult.job_id == job.id, JobResult.key.like("candidate:%"))
        )
        scores = {r.value["candidate_id"]: r.value for r in rows if r.value.get("candidate_id")}
        existing = (
            set(
                (
                    await session.scalars(
                        select(Candidate.id).where(Candidate.posting_id == job.posting_id)
                    )
                ).all()
            )
            if posting is not None
            else set()
        )
        scores = {ident: value for ident, value in scores.items() if ident in existing}
        if posting is not None and scores.keys() != existing:
            await rescore_pool(session, posting)  # the pool changed meanwhile: redo it all
        elif scores:
            await write_scores(session, posting.id if posting else "", scores)
        await session.commit()
    return {"candidates": len(scores)}
