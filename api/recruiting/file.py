"""File use cases: keep uploaded files (stored once per content), list, delete."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.settings import Settings
from api.core.errors import NotFoundError
from api.core.pagination import DEFAULT_LIMIT, decode_time_cursor, encode_cursor
from api.entity.file import StoredFile
from api.entity.user import User
from api.recruiting import blobs
from api.recruiting.filestore import FileStore, LocalFileStore, store_of
from api.recruiting.upload import Intake, IntakeFile, receive_files
from api.schema.file import FileError

logger = logging.getLogger(__name__)


def store(settings: Settings) -> LocalFileStore:
    return store_of(settings)


async def receive_intake(
    *,
    session: AsyncSession,
    settings: Settings,
    stream: AsyncIterator[bytes],
    content_type: str | None,
    content_length: str | None,
) -> Intake:
    """Stream an upload to disk without holding a database connection meanwhile.

    Rows already loaded (the user, a posting) stay readable after the session closes.
    """
    await session.close()
    return await receive_files(
        stream=stream,
        content_type=content_type,
        content_length=content_length,
        settings=settings,
        store=store(settings),
    )


async def _existing(session: AsyncSession, owner: User, hashes: set[str]) -> dict[str, StoredFile]:
    found: dict[str, StoredFile] = {}
    chunk = sorted(hashes)
    for start in range(0, len(chunk), 500):
        rows = await session.scalars(
            select(StoredFile)
            .where(
                StoredFile.owner_id == owner.id, StoredFile.sha256.in_(chunk[start : start + 500])
            )
            .order_by(StoredFile.created_at)
        )
        for row in rows:
            found.setdefault(row.sha256, row)
    return found


def _put_all(file_store: FileStore, items: list[IntakeFile]) -> list[str]:
    keys = []
    for item in items:
        assert item.tmp_path is not None and item.sha256 is not None
        keys.append(file_store.put(item.tmp_path, item.sha256))
        item.tmp_path = None
    return keys


async def keep_intake(
    *, session: AsyncSession, settings: Settings, owner: User, intake: Intake
) -> list[StoredFile | FileError]:
    """Store the accepted files and add their rows (not committed), in request order.

    Content the owner already uploaded returns the existing row; rejects come back as
    FileError. Temporary files are always removed.
    """
    try:
        accepted = [item for item in intake.files if item.accepted]
        known = await _existing(session, owner, {item.sha256 or "" for item in accepted})
        fresh: dict[str, IntakeFile] = {}
        for item in accepted:
            if item.sha256 not in known and item.sha256 not in fresh:
                fresh[item.sha256 or ""] = item
        await blobs.hold(session, fresh)  # no removal can take these bytes until we commit
        keys = await asyncio.to_thread(_put_all, store(settings), list(fresh.values()))
        for item, key in zip(fresh.values(), keys, strict=True):
            row = StoredFile(
                owner_id=owner.id,
                filename=item.filename,
                size=item.size,
                sha256=item.sha256,
                content_type=item.content_type,
                kind=item.kind,
                storage_key=key,
            )
            session.add(row)
            known[item.sha256 or ""] = row
        await session.flush()
    finally:
        await asyncio.to_thread(intake.discard)
    return [
        known[item.sha256 or ""]
        if item.accepted
        else FileError(
            filename=item.filename, error_code=item.error_code or "", detail=item.detail or ""
        )
        for item in intake.files
    ]


async def upload_files(
    *, session: AsyncSession, settings: Settings, owner: User, intake: Intake
) -> tuple[list[StoredFile], list[FileError]]:
    """`POST /files`: the stored files (deduplicated) and the per-file rejects."""
    outcomes = await keep_intake(session=session, settings=settings, owner=owner, intake=intake)
    await session.commit()
    items: list[StoredFile] = []
    for outcome in outcomes:
        if isinstance(outcome, StoredFile) and outcome not in items:
            items.append(outcome)
    errors = [outcome for outcome in outcomes if isinstance(outcome, FileError)]
    logger.info("stored %s file(s), rejected %s", len(items), len(errors))
    return items, errors


async def list_files(
    *, session: AsyncSession, owner: User, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> tuple[list[StoredFile], str | None]:
    """The owner's files, newest first."""
    query = select(StoredFile).where(StoredFile.owner_id == owner.id)
    if cursor:
        created, ident = decode_time_cursor(cursor)
        query = query.where(
            (StoredFile.created_at < created)
            | ((StoredFile.created_at == created) & (StoredFile.id < ident))
        )
    query = query.order_by(StoredFile.created_at.desc(), StoredFile.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id)


async def get_file(*, session: AsyncSession, owner: User, file_id: str) -> StoredFile:
    row = await session.scalar(
        select(StoredFile).where(StoredFile.id == file_id, StoredFile.owner_id == owner.id)
    )
    if row is None:
        raise NotFoundError("File not found")
    return row
