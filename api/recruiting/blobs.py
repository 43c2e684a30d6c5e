"""Blob references: bytes go when the last file row that refers to them goes.

Content-addressed blobs may be shared by file rows of several owners. The `blobs`
table is the lock both sides take, in storage-key order:

- an upload `hold`s the blobs it is about to refer to (upsert, `doomed_at` cleared)
  before it writes their bytes, and keeps the lock until its rows commit;
- a deletion, after removing file rows, `release`s their blobs in the same
  transaction: it locks each one, counts the file rows still referring to it and
  marks the unreferenced ones doomed (and drops their cached profiles);
- after the commit, `remove` deletes a doomed blob's row and then its bytes, in one
  transaction that locks the row first, so an upload that holds the blob meanwhile
  either waits for the removal or un-dooms it first.

A crash between a deletion's commit and `remove` leaves the blob doomed; the privacy
sweep removes every doomed blob, and bytes no row refers to at all (an upload that
died before its commit), once they are `ORPHAN_GRACE_SECONDS` old.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.database import is_mysql
from api.entity.base import utcnow
from api.entity.candidate import ProfileCache
from api.entity.file import StoredFile
from api.entity.privacy import Blob
from api.recruiting.filestore import LocalFileStore

logger = logging.getLogger(__name__)

BATCH = 500


def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    if is_mysql(session):
        my = mysql.insert(Blob).values(rows)
        return my.on_duplicate_key_update(
            doomed_at=my.inserted.doomed_at, updated_at=my.inserted.updated_at
        )
    lite = sqlite.insert(Blob).values(rows)
    return lite.on_conflict_do_update(
        index_elements=["storage_key"],
        set_={"doomed_at": lite.excluded.doomed_at, "updated_at": lite.excluded.updated_at},
    )


async def _lock(session: AsyncSession, keys: list[str], *, doomed: bool) -> None:
    now = utcnow()
    for start in range(0, len(keys), BATCH):
        rows = [
            {"storage_key": key, "doomed_at": now if doomed else None, "updated_at": now}
            for key in keys[start : start + BATCH]
        ]
        await session.execute(_upsert(session, rows))


async def hold(session: AsyncSession, keys: Iterable[str]) -> None:
    """Lock the blobs an upload is about to refer to (not committed); call it before
    writing their bytes."""
    wanted = sorted(set(keys))
    if wanted:
        await _lock(session, wanted, doomed=False)


async def referenced(session: AsyncSession, keys: list[str]) -> set[str]:
    """The keys some file row refers to."""
    found: set[str] = set()
    for start in range(0, len(keys), BATCH):
        rows = await session.scalars(
            select(StoredFile.storage_key)
            .where(StoredFile.storage_key.in_(keys[start : start + BATCH]))
            .distinct()
        )
        found.update(rows)
    return found


async def release(session: AsyncSession, keys: Iterable[str]) -> list[str]:
    """After file rows were deleted (not committed): doom the blobs no row refers to any
    more and drop their cached profiles. Returns the doomed keys, for `remove` once the
    transaction has committed."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    await _lock(session, wanted, doomed=True)
    kept = await referenced(session, wanted)
    doomed = [key for key in wanted if key not in kept]
    for start in range(0, len(wanted), BATCH):
        chunk = [key for key in wanted[start : start + BATCH] if key in kept]
        if chunk:
            await session.execute(
                update(Blob).where(Blob.storage_key.in_(chunk)).values(doomed_at=None)
            )
    for start in range(0, len(doomed), BATCH):
        await session.execute(
            delete(ProfileCache).where(ProfileCache.sha256.in_(doomed[start : start + BATCH]))
        )
    return doomed


async def remove_one(session: AsyncSession, store: LocalFileStore, key: str) -> bool:
    """Remove a doomed blob's bytes and row, in a transaction of its own; False when it
    is not doomed (any more)."""
    gone = await session.execute(
        delete(Blob).where(Blob.storage_key == key, Blob.doomed_at.is_not(None))
    )
    if gone.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return False
    if await referenced(session, [key]):  # a row written without a hold: keep the bytes
        await session.rollback()
        return False
    await asyncio.to_thread(store.delete, key)
    await session.commit()
    return True


async def remove(session: AsyncSession, store: LocalFileStore, keys: list[str]) -> int:
    """Remove doomed blobs once the deletion has committed; one that fails stays doomed
    for the sweep. Returns how many were removed."""
    removed = 0
    for key in keys:
        try:
            removed += await remove_one(session, store, key)
        except Exception as exc:  # the sweep retries it
            await session.rollback()
            logger.warning("removing a blob failed (%s); the sweep retries", type(exc).__name__)
    return removed


async def sweep(session: AsyncSession, store: LocalFileStore, grace_seconds: int) -> dict[str, int]:
    """Remove every doomed blob, blobs no row refers to that are older than the grace
    period, and stale temporary files (committing as it goes). Returns the counts."""
    doomed = list(
        await session.scalars(select(Blob.storage_key).where(Blob.doomed_at.is_not(None)))
    )
    await session.rollback()
    removed = await remove(session, store, doomed)
    cutoff = time.time() - grace_seconds
    old = [key for key, mtime in await asyncio.to_thread(lambda: list(store.keys()))
           if mtime < cutoff]  # fmt: skip
    orphans: list[str] = []
    for start in range(0, len(old), BATCH):
        chunk = old[start : start + BATCH]
        kept = await referenced(session, chunk)
        orphans += [key for key in chunk if key not in kept]
    await session.rollback()
    if orphans:
        doomed_now = await release(session, orphans)
        await session.commit()
        removed += await remove(session, store, doomed_now)
    stale = await asyncio.to_thread(store.stale_temporaries, cutoff)
    for path in stale:
        await asyncio.to_thread(_remove_path, path)
    return {"blobs_removed": removed, "temporary_removed": len(stale)}


def _remove_path(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
