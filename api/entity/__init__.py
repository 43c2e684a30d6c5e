"""Every model, imported here so Alembic's metadata sees them all."""

from api.entity.base import Base
from api.entity.candidate import Candidate, ProfileCache
from api.entity.file import StoredFile
from api.entity.job import Job, JobEvent, JobResult, JobUnit, WorkerHeartbeat
from api.entity.posting import Posting
from api.entity.privacy import AuditEvent, Blob
from api.entity.user import ApiKey, User

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "Blob",
    "Candidate",
    "Job",
    "JobEvent",
    "JobResult",
    "JobUnit",
    "Posting",
    "ProfileCache",
    "StoredFile",
    "User",
    "WorkerHeartbeat",
]
