"""PIPELINE_PROCESSES: CPU-heavy steps in pool processes, a dying one, and a screening
whose parsing runs there."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api import jobs
from api.config.settings import Settings
from api.entity.job import JobResult
from api.jobs.engine.offload import ProcessOffload
from pipeline.contract import JSON, PipelineDef, UnitContext, UnitError
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import (
    create_posting,
    mixed_cvs,
    multipart,
    wait_job,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"pipeline_processes": 1})


@pytest.fixture
def pool() -> Iterator[ProcessOffload]:
    offload = ProcessOffload(1)
    yield offload
    offload.shutdown()


def _pid_run(payload: JSON, ctx: UnitContext) -> JSON | None:
    ctx.put_result("pid", {"pid": ctx.offload(os.getpid)})
    ctx.report(1, 1, "done")
    return None


@pytest.fixture
def pid_pipeline(app: Any) -> None:
    pipeline = PipelineDef("t_offload", lambda params: [{}], _pid_run, public=True, test_only=True)
    app.state.job_queue.register(jobs.JobType(pipeline))


def test_work_runs_in_another_process_and_errors_come_back(pool: ProcessOffload) -> None:
    assert pool.run(os.getpid) != os.getpid()
    assert pool.run(sum, [1, 2, 3]) == 6
    with pytest.raises(ValueError):
        pool.run(int, "not a number")


def test_a_dead_pool_process_is_a_transient_unit_error_and_the_pool_recovers(
    pool: ProcessOffload,
) -> None:
    with pytest.raises(UnitError) as raised:
        pool.run(os._exit, 3)  # the process dies mid-call, as under the OOM killer
    assert raised.value.code == "WORKER_PROCESS_DIED" and raised.value.transient
    assert pool.run(os.getpid) != os.getpid()  # a new pool took over


def test_shutdown_ends_a_call_still_running_in_the_pool() -> None:
    offload = ProcessOffload(1)
    assert offload.run(os.getpid) != os.getpid()  # the pool process is up
    pool = offload._pool
    processes = list(pool._processes.values())
    caller = threading.Thread(target=_swallow, args=(offload.run, time.sleep, 60), daemon=True)
    caller.start()
    time.sleep(0.3)  # the 60 s call is running in the pool process
    offload.shutdown()
    assert processes and not any(p.is_alive() for p in processes)
    caller.join(10)
    assert not caller.is_alive()  # the waiting thread was released too
    assert offload._pool is pool  # and it did not start a new pool after shutdown


def _swallow(fn: Any, *args: Any) -> None:
    with contextlib.suppress(Exception):
        fn(*args)


async def test_units_offload_to_the_engines_pool(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, pid_pipeline: None
) -> None:
    user = auth(await make_user())
    submitted = await client.post(
        "/api/v1/jobs", json={"pipeline": "t_offload", "params": {}}, headers=user
    )
    assert submitted.status_code == 202, submitted.text
    job = await wait_job(client, user, submitted.json()["id"])
    assert job["status"] == "succeeded"
    async with app.state.sessionmaker() as session:
        value = await session.scalar(select(JobResult.value).where(JobResult.job_id == job["id"]))
    assert value["pid"] != os.getpid()


async def test_a_screening_parses_in_the_pool(
    client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    owner = auth(await make_user())
    posting = await create_posting(client, owner)
    body, headers = multipart(mixed_cvs(tmp_path, 4))
    uploaded = await client.post("/api/v1/files", content=body, headers={**headers, **owner})
    ids = [item["id"] for item in uploaded.json()["items"]]
    started = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings", json={"file_ids": ids}, headers=owner
    )
    job = await wait_job(client, owner, started.json()["id"])
    assert job["status"] == "succeeded" and job["result"]["candidates"] == 4
    ranking = await client.get(f"/api/v1/postings/{posting['id']}/candidates", headers=owner)
    assert [c["rank"] for c in ranking.json()["items"]] == [1, 2, 3, 4]
    assert all(c["score"] is not None for c in ranking.json()["items"])


def test_pool_processes_start_with_the_pipeline_loaded() -> None:
    """The fork server preloads the pipeline: a pool process finds the taxonomy and the
    occupation index already loaded (cached) before its first call loads anything."""
    offload = ProcessOffload(1)
    try:
        assert offload.run(_loaded_in_this_process) == (True, True)
    finally:
        offload.shutdown()


def test_the_pool_outlives_the_thread_that_warmed_it() -> None:
    """The fork server dies with the thread that started it (the parent-death signal
    follows the thread): warming the pool from a thread that then ends must not take
    the fork server and the pool processes with it."""
    offload = ProcessOffload(2)
    try:
        offload.warm()
        for thread in threading.enumerate():
            if thread.name == "cvmatch-pool-warm":
                thread.join(60)
        pool = offload._pool
        workers = list((pool._processes or {}).values())
        assert len(workers) == 2
        time.sleep(0.5)  # a parent-death signal would have arrived by now
        assert all(worker.is_alive() for worker in workers)
        assert offload.run(os.getpid) in {worker.pid for worker in workers}
        assert offload._pool is pool  # not replaced after a death
    finally:
        offload.shutdown()


@pytest.mark.parametrize("orphaned", [False, True])
def test_a_pool_process_whose_parent_is_already_gone_ends_at_once(orphaned: bool) -> None:
    """A worker forked just before its fork server died never gets the parent-death
    signal: told which parent to expect, it sees another one and ends."""
    script = (
        "import os, sys; from api.jobs.engine import lifeline; "
        "lifeline.arm(int(sys.argv[1])); print('armed', flush=True)"
    )
    expected = os.getpid() + 1 if orphaned else os.getpid()  # its parent is this process
    done = subprocess.run(
        [sys.executable, "-c", script, str(expected)],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[3],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("" if orphaned else "armed\n")


def _loaded_in_this_process() -> tuple[bool, bool]:
    from pipeline.occupations import get_occupations
    from pipeline.taxonomy import get_taxonomy

    return get_taxonomy.cache_info().currsize == 1, get_occupations.cache_info().currsize == 1


_OWNER = """
import os, sys, time
from api.jobs.engine.offload import ProcessOffload
pool = ProcessOffload(2)
print(pool.run(os.getppid), pool.run(os.getpid), flush=True)  # fork server, a worker
time.sleep(120)
"""


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_pool_processes_die_with_the_service_process(how: str) -> None:
    """A service killed without a shutdown takes its fork server and pool workers with it
    (Linux: the parent-death signal), instead of leaving them waiting for ever."""
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[3])  # fmt: skip
    assert owner.stdout is not None
    fork_server, worker = (int(p) for p in owner.stdout.readline().split())
    owner.send_signal(getattr(signal, how))
    owner.wait(30)
    owner.stdout.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in (fork_server, worker)):
        time.sleep(0.1)
    assert not _alive(fork_server) and not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
