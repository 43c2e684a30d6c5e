"""A short in-process cache of the accounts behind bearer tokens.

Every authenticated request used to read its user row. For `AUTH_CACHE_SECONDS`
(default 2; 0 turns the cache off) a process reuses what it read: a detached copy of
the row, merged into the request's session without a query, so each request still gets
its own persistent `User`. The token itself is still checked on every request
(signature and expiry).

Any write to a user row through the ORM in this process (a flush of a changed or
deleted `User`, or an ORM `UPDATE`/`DELETE` on `users`) drops the cached copies when
its transaction commits, and a read that overlapped such a write is not cached: an
erased account, or a changed admin or active flag, takes effect at once here. Other
processes (another worker, the CLI) see it within `AUTH_CACHE_SECONDS`.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached

from api.entity.user import User

#: session.info key: the user ids (or ALL) a transaction wrote
_WRITES = "cvmatch.auth_cache.writes"
ALL = "*"
_COLUMNS = tuple(column.key for column in inspect(User).column_attrs)

_entries: dict[str, tuple[float, dict[str, Any]]] = {}
#: bumped by every invalidation; a read that saw an older value is not stored
_generation = 0


def generation() -> int:
    """Take before reading a user row; pass to `put`."""
    return _generation


async def get(session: AsyncSession, user_id: str) -> User | None:
    """The cached account, attached to `session` without a query; None when not cached."""
    entry = _entries.get(user_id)
    if entry is None:
        return None
    expires, values = entry
    if time.monotonic() >= expires:
        _entries.pop(user_id, None)
        return None
    copy = User(**values)
    make_transient_to_detached(copy)
    return await session.merge(copy, load=False)


def put(user: User, *, seconds: float, seen_generation: int) -> None:
    """Remember `user` for `seconds`, unless a user row was written since it was read."""
    if seconds <= 0 or seen_generation != _generation:
        return
    values = {key: getattr(user, key) for key in _COLUMNS}
    _entries[user.id] = (time.monotonic() + seconds, values)


def forget(user_id: str | None = None) -> None:
    """Drop one account (or all of them) from the cache."""
    global _generation
    _generation += 1
    if user_id is None:
        _entries.clear()
    else:
        _entries.pop(user_id, None)


def _note(session: Session, user_id: str) -> None:
    session.info.setdefault(_WRITES, set()).add(user_id)
    forget(None if user_id == ALL else user_id)


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User):
            _note(session, obj.id)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is User for mapper in state.all_mappers
    ):
        _note(state.session, ALL)


@event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    for user_id in session.info.pop(_WRITES, ()):
        forget(None if user_id == ALL else user_id)


@event.listens_for(Session, "after_soft_rollback")
def _on_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_WRITES, None)
