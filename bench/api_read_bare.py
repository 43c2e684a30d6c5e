"""The bare handler that `bench.api_read` measures cvmatch's read paths against.

    BARE_DATABASE_URL=mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_read \\
        gunicorn bench.api_read_bare:app -w 1 -k api.serve.Worker

Starlette and an aiomysql pool, nothing else: no ORM, no authentication, no
middleware, no response model. `GET /jobs/{id}` is the same primary-key select on the
same table as `GET /api/v1/jobs/{id}`, `GET /jobs?owner=` the same first page as
`GET /api/v1/jobs`, both returned as the same JSON fields.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiomysql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

COLUMNS = (
    "id, pipeline, status, progress, stage, done, total, posting_id, priority, result, "
    "error_code, error, cancel_requested, last_seq, max_attempts, max_execution_seconds, "
    "created_at, started_at, finished_at"
)
PAGE = 50


def _row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["result"] = json.loads(row["result"]) if row["result"] else None
    out["cancel_requested"] = bool(row["cancel_requested"])
    for key in ("created_at", "started_at", "finished_at"):
        value = row[key]
        out[key] = value.isoformat() + "Z" if isinstance(value, datetime) else None
    return out


async def get_job(request: Request) -> Response:
    pool: aiomysql.Pool = request.app.state.pool
    async with pool.acquire() as conn, conn.cursor(aiomysql.DictCursor) as cur:
        await cur.execute(f"SELECT {COLUMNS} FROM jobs WHERE id = %s", (request.path_params["id"],))
        row = await cur.fetchone()
    if row is None:
        return JSONResponse({"detail": "Job not found"}, status_code=404)
    return JSONResponse(_row(row))


async def list_jobs(request: Request) -> Response:
    pool: aiomysql.Pool = request.app.state.pool
    async with pool.acquire() as conn, conn.cursor(aiomysql.DictCursor) as cur:
        await cur.execute(
            f"SELECT {COLUMNS} FROM jobs WHERE owner_id = %s "
            "ORDER BY created_at DESC, id DESC LIMIT %s",
            (request.query_params["owner"], PAGE + 1),
        )
        rows = await cur.fetchall()
    return JSONResponse({"items": [_row(r) for r in rows[:PAGE]], "next_cursor": None})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    url = urlsplit(os.environ["BARE_DATABASE_URL"].replace("mysql+aiomysql", "mysql"))
    app.state.pool = await aiomysql.create_pool(
        host=url.hostname or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        db=url.path.lstrip("/"),
        autocommit=True,
        minsize=1,
        maxsize=10,
        charset="utf8mb4",
    )
    try:
        yield
    finally:
        app.state.pool.close()
        await app.state.pool.wait_closed()


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/jobs", list_jobs),
        Route("/jobs/{id}", get_job),
    ],
    lifespan=lifespan,
)
