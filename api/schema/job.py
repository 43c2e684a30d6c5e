"""Jobs: submission, the job, its events, its results and the queue status.

`params` is not part of `JobRead`: a screening's params hold every file of the
batch, so they stay server-side; the caller already has what it sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schema.common import DisplayName, RequestModel, UtcDateTime


class JobCreate(RequestModel):
    pipeline: str = Field(min_length=1, max_length=64, examples=["sleep"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"seconds": 2, "steps": 4}])
    priority: int = Field(default=0, ge=-100, le=100, description="Higher runs first.")
    max_execution_seconds: int | None = Field(
        default=None, ge=1, le=7 * 86400, description="Default from settings."
    )


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    pipeline: str
    status: str = Field(description="queued | running | succeeded | failed | cancelled")
    progress: float = Field(description="0-100")
    stage: str | None
    done: int
    total: int
    posting_id: str | None
    priority: int
    result: dict[str, Any] | None = Field(description="Summary; `partial: true` if cancelled.")
    error_code: str | None
    error: str | None
    cancel_requested: bool
    last_seq: int
    max_attempts: int
    max_execution_seconds: int
    created_at: UtcDateTime
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None


class JobEventRead(BaseModel):
    type: str = Field(description="job.status | job.progress | job.file | job.log")
    job_id: str
    seq: int
    ts: str
    status: str
    progress: float
    stage: str | None
    done: int
    total: int
    message: str | None = None
    data: dict[str, Any] | None = None


class JobResultRead(BaseModel):
    key: str
    file_id: str | None = None
    filename: DisplayName | None = None
    status: str | None = None
    candidate_id: str | None = None
    error_code: str | None = None
    detail: str | None = None


class GlobalQueue(BaseModel):
    jobs: dict[str, int] = Field(description="Jobs of every user by status.")
    units: dict[str, int] = Field(description="Units by status.")
    running_units: int
    processes: list[dict[str, Any]] = Field(description="Live processes (recent heartbeats).")
    connections: int | None = None


class QueueStatus(BaseModel):
    version: str | None = None
    jobs: dict[str, int] = Field(description="The caller's jobs by status.")
    global_: GlobalQueue | None = Field(default=None, alias="global", serialization_alias="global")

    model_config = ConfigDict(populate_by_name=True)
