"""Account use cases: register, log in, resolve credentials, API keys, admins."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.settings import Settings
from api.core import security
from api.core.errors import ConflictError, NotFoundError, UnauthenticatedError
from api.core.pagination import DEFAULT_LIMIT, decode_time_cursor, encode_cursor
from api.entity.base import utcnow
from api.entity.user import ApiKey, User
from api.recruiting import audit, auth_cache
from api.schema.user import ApiKeyCreate, UserCreate


async def register(*, session: AsyncSession, data: UserCreate) -> User:
    email = data.email.lower()
    taken = await session.scalar(select(User.id).where(User.email == email))
    if taken is not None:
        raise ConflictError("An account with this email already exists", error_code="EMAIL_TAKEN")
    user = User(
        email=email,
        full_name=data.full_name,
        password_hash=await asyncio.to_thread(security.hash_password, data.password),
        is_admin=False,
        is_active=True,
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        await session.rollback()
        raise ConflictError(
            "An account with this email already exists", error_code="EMAIL_TAKEN"
        ) from exc
    return user


async def login(
    *, session: AsyncSession, settings: Settings, email: str, password: str
) -> security.IssuedToken:
    user = await session.scalar(select(User).where(User.email == email.lower()))
    # argon2 is slow on purpose: keep it off the event loop
    valid = await asyncio.to_thread(
        security.verify_password, password, user.password_hash if user else None
    )
    if user is None or not valid or not user.is_active:
        raise UnauthenticatedError("Incorrect email or password", error_code="INVALID_CREDENTIALS")
    return security.create_access_token(subject=user.id, settings=settings)


async def resolve_credentials(
    *, session: AsyncSession, settings: Settings, bearer: str | None, api_key: str | None
) -> User:
    """The user behind a bearer JWT or an API key; raises UnauthenticatedError."""
    if api_key:
        return await _user_for_api_key(session=session, secret=api_key)
    if bearer:
        return await user_for_token(session=session, settings=settings, token=bearer)
    raise UnauthenticatedError()


async def resolve_actor(
    *, session: AsyncSession, settings: Settings, bearer: str | None, api_key: str | None
) -> audit.Actor:
    """`resolve_credentials`, with the credential used (for the audit trail)."""
    keyed = bearer if bearer and bearer.startswith(security.API_KEY_PREFIX) else None
    if api_key or keyed:
        key, user = await _api_key_owner(session=session, secret=api_key or keyed or "")
        return audit.Actor(user, "api_key", key.id)
    user = await resolve_credentials(
        session=session, settings=settings, bearer=bearer, api_key=None
    )
    return audit.Actor(user, "session", audit.session_credential(bearer or ""))


async def user_for_token(*, session: AsyncSession, settings: Settings, token: str) -> User:
    """A token that may be either a JWT or an API key (WebSocket and SSE query strings)."""
    if token.startswith(security.API_KEY_PREFIX):
        return await _user_for_api_key(session=session, secret=token)
    try:
        user_id = security.decode_access_token(token, settings=settings)
    except security.TokenError as exc:
        raise UnauthenticatedError(exc.detail, error_code=exc.code) from exc
    user = await _account(session=session, settings=settings, user_id=user_id)
    if user is None or not user.is_active:
        raise UnauthenticatedError("Invalid token")
    return user


async def _account(*, session: AsyncSession, settings: Settings, user_id: str) -> User | None:
    """The user row, from the process's short cache when it holds it (AUTH_CACHE_SECONDS)."""
    seconds = settings.auth_cache_seconds
    if seconds > 0 and (cached := await auth_cache.get(session, user_id)) is not None:
        return cached
    seen = auth_cache.generation()
    user = await session.get(User, user_id)
    if user is not None:
        auth_cache.put(user, seconds=seconds, seen_generation=seen)
    return user


async def _user_for_api_key(*, session: AsyncSession, secret: str) -> User:
    return (await _api_key_owner(session=session, secret=secret))[1]


async def _api_key_owner(*, session: AsyncSession, secret: str) -> tuple[ApiKey, User]:
    row = (
        await session.execute(
            select(ApiKey, User)
            .join(User, User.id == ApiKey.owner_id)
            .where(ApiKey.key_hash == security.hash_api_key(secret))
        )
    ).first()
    if row is None or not row[1].is_active:
        raise UnauthenticatedError("Invalid API key")
    key, user = row
    now = utcnow()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now
        await session.commit()
    return key, user


async def create_api_key(
    *, session: AsyncSession, owner: User, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    secret, prefix, digest = security.new_api_key()
    key = ApiKey(owner_id=owner.id, name=data.name, prefix=prefix, key_hash=digest)
    session.add(key)
    await session.commit()
    return key, secret


async def list_api_keys(
    *, session: AsyncSession, owner: User, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> tuple[list[ApiKey], str | None]:
    query = select(ApiKey).where(ApiKey.owner_id == owner.id)
    if cursor:
        created, ident = decode_time_cursor(cursor)
        query = query.where(
            (ApiKey.created_at < created) | ((ApiKey.created_at == created) & (ApiKey.id < ident))
        )
    rows = list(
        await session.scalars(
            query.order_by(ApiKey.created_at.desc(), ApiKey.id.desc()).limit(limit + 1)
        )
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id)
    return rows, next_cursor


async def delete_api_key(*, session: AsyncSession, owner: User, key_id: str) -> None:
    key = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.owner_id == owner.id)
    )
    if key is None:
        raise NotFoundError("API key not found")
    await session.delete(key)
    await session.commit()


async def set_admin(*, session: AsyncSession, email: str, is_admin: bool = True) -> User:
    user = await session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        raise NotFoundError(f"No user with email {email}")
    user.is_admin = is_admin
    await session.commit()
    return user
