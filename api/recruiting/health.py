"""Readiness: each component answers within a deadline or is reported down."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

DB_TIMEOUT_SECONDS = 2.0


async def _timed(check: Any, deadline: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), deadline)
    except Exception as exc:  # every failure means "down"; the kind is reported
        reason = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
        return {"status": "down", "error": reason}
    return {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


async def readiness(*, engine: AsyncEngine, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{"status": "ok"|"degraded"|"down", "components": {...}}`; down means no database."""

    async def ping_db() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    components: dict[str, Any] = {"database": await _timed(ping_db, DB_TIMEOUT_SECONDS)}
    for name, check in (extra or {}).items():
        components[name] = await _timed(check, DB_TIMEOUT_SECONDS)
    if components["database"]["status"] != "up":
        overall = "down"
    elif any(c["status"] != "up" for c in components.values()):
        overall = "degraded"
    else:
        overall = "ok"
    return {"status": overall, "components": components}
