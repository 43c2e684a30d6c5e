"""Run by test_crash in a process of its own: erase a candidate, and die by SIGKILL the
moment the deletion has committed, before the file's bytes are removed.

    python -m tests.privacy.crash_erase OWNER_ID CANDIDATE_ID   (settings from the env)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

from api.config.database import create_engine, create_sessionmaker
from api.config.settings import Settings
from api.entity.user import User
from api.recruiting import audit, blobs, erasure


async def _die(*_args: Any, **_kwargs: Any) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


async def main(owner_id: str, candidate_id: str) -> None:
    settings = Settings()
    engine = create_engine(settings)
    blobs.remove = _die  # type: ignore[assignment]
    async with create_sessionmaker(engine)() as session:
        owner = await session.get(User, owner_id)
        assert owner is not None
        await erasure.erase_candidate(
            session=session, settings=settings, actor=audit.Actor(owner, "session"),
            owner=owner, candidate_id=candidate_id,
        )  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
    sys.exit(3)  # never reached: the removal step kills the process
