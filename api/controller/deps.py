"""Dependencies shared by the controllers: settings, session, job queue, current user.

Every dependency is `async def`: FastAPI runs a plain `def` dependency in its thread
pool, a thread hop on every request for what is a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api import jobs
from api.config.database import session_scope
from api.config.settings import Settings
from api.core.errors import ForbiddenError
from api.entity.user import User
from api.recruiting import audit
from api.recruiting import user as user_service

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="Log in with your account: type your **email address** in the `username` "
    "field (OAuth2 names it so) and your password below it. Leave client_id and "
    "client_secret empty.",
)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.sessionmaker):
        yield session


async def get_job_queue(request: Request) -> jobs.JobQueue:
    queue: jobs.JobQueue = request.app.state.job_queue
    return queue


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
QueueDep = Annotated[jobs.JobQueue, Depends(get_job_queue)]


async def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Security(oauth2_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> User:
    return await user_service.resolve_credentials(
        session=session, settings=settings, bearer=bearer, api_key=api_key
    )


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_actor(
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Security(oauth2_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> audit.Actor:
    """The current user and the credential they used (the audit trail records it)."""
    return await user_service.resolve_actor(
        session=session, settings=settings, bearer=bearer, api_key=api_key
    )


CurrentActor = Annotated[audit.Actor, Depends(get_current_actor)]


async def get_admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise ForbiddenError("Administrator rights required")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]
