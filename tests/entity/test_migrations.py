"""The migrations match the models, and run down to base and up again."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from api.config.database import create_engine
from api.config.settings import Settings
from api.entity import Base
from api.entity.base import compare_column_type
from tests.support import database as db


def _diff(connection: Any) -> list[Any]:
    ctx = MigrationContext.configure(
        connection, opts={"compare_type": compare_column_type, "target_metadata": Base.metadata}
    )
    return list(compare_metadata(ctx, Base.metadata))


async def _inspect(url: str) -> tuple[list[Any], set[str]]:
    engine = create_engine(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    return diff, tables


async def test_models_have_not_drifted_from_migrations(database_url: str) -> None:
    diff, tables = await _inspect(database_url)
    assert diff == [], f"models and migrations differ: {diff}"
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


async def test_downgrade_to_base_and_upgrade_again(database_url: str, tmp_path: Any) -> None:
    if db.is_mysql(database_url):
        url = make_url(database_url)
        scratch = url.set(database=f"{url.database}_mig").render_as_string(hide_password=False)
        await db.recreate_mysql_database(scratch)
    else:
        scratch = db.sqlite_url(tmp_path / "mig.db")
    db.migrate(scratch, "head")
    db.migrate(scratch, "base")
    _, tables = await _inspect(scratch)
    assert tables <= {"alembic_version"}
    db.migrate(scratch, "head")
    diff, _ = await _inspect(scratch)
    assert diff == []
