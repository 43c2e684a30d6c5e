"""A fresh, migrated test database per run, emptied between tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlparse

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.entity import Base

REPO = Path(__file__).resolve().parents[2]


async def recreate_mysql_database(url: str) -> None:
    """DROP and CREATE the database named in `url` (utf8mb4)."""
    parsed = make_url(url)
    name = parsed.database
    assert name and name.replace("_", "").isalnum(), f"unsafe database name {name!r}"
    server = create_async_engine(parsed.set(database=""), isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            await conn.execute(
                text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            )
    finally:
        await server.dispose()


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade (or, to "base", downgrade) in a thread of its own: env.py runs its own loop."""
    import os
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        old = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = url
        try:
            from api.config.settings import get_settings

            get_settings.cache_clear()
            cfg = Config(str(REPO / "alembic.ini"))
            cfg.set_main_option("script_location", str(REPO / "alembic"))
            cfg.attributes["skip_logging"] = True
            if revision == "base":
                command.downgrade(cfg, revision)
            else:
                command.upgrade(cfg, revision)
        except BaseException as exc:
            errors.append(exc)
        finally:
            if old is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = old
            get_settings.cache_clear()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table, children first."""
    async with engine.begin() as conn:
        if engine.dialect.name == "mysql":
            await conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())
        if engine.dialect.name == "mysql":
            await conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def is_mysql(url: str) -> bool:
    return urlparse(url).scheme.startswith("mysql")


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]
