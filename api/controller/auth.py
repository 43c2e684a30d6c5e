"""Accounts, tokens and API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import OAuth2PasswordRequestForm

from api.controller.deps import CurrentActor, CurrentUser, SessionDep, SettingsDep
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.recruiting import erasure
from api.recruiting import user as user_service
from api.schema.common import Page, error_responses
from api.schema.user import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    TokenRead,
    UserCreate,
    UserRead,
)

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409, 422),
    summary="Create an account",
)
async def register(data: UserCreate, session: SessionDep) -> UserRead:
    user = await user_service.register(session=session, data=data)
    return UserRead.model_validate(user)


@router.post(
    "/token",
    response_model=TokenRead,
    responses=error_responses(401, 422),
    summary="Log in with the OAuth2 password form (username is the email)",
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenRead:
    issued = await user_service.login(
        session=session, settings=settings, email=form.username, password=form.password
    )
    return TokenRead(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me", response_model=UserRead, responses=error_responses(401))
async def me(user: CurrentUser) -> UserRead:
    """The authenticated user."""
    return UserRead.model_validate(user)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 409))
async def delete_me(actor: CurrentActor, session: SessionDep, settings: SettingsDep) -> None:
    """Erase the account with everything it holds: postings, candidates, files, jobs, API
    keys (409 `ACTIVE_JOB` while one of its jobs is queued or running). File content
    another account also holds stays for that account."""
    assert actor.user is not None
    await erasure.erase_account(session=session, settings=settings, actor=actor, user=actor.user)


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 422),
    summary="Create an API key for a machine client (send it as X-API-Key)",
)
async def create_api_key(
    data: ApiKeyCreate, user: CurrentUser, session: SessionDep
) -> ApiKeyCreated:
    key, secret = await user_service.create_api_key(session=session, owner=user, data=data)
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@router.get("/api-keys", response_model=Page[ApiKeyRead], responses=error_responses(401, 422))
async def list_api_keys(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ApiKeyRead]:
    """The caller's API keys, newest first; secrets are never shown again."""
    keys, next_cursor = await user_service.list_api_keys(
        session=session, owner=user, limit=limit, cursor=cursor
    )
    return Page(items=[ApiKeyRead.model_validate(k) for k in keys], next_cursor=next_cursor)


@router.delete(
    "/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404),
)
async def delete_api_key(key_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Revoke an API key."""
    await user_service.delete_api_key(session=session, owner=user, key_id=key_id)
