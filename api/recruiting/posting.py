"""Posting use cases: create, list, read, update (re-resolving the spec); deletion is an
erasure (`erasure.erase_posting`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.errors import NotFoundError, ValidationFailedError
from api.core.pagination import DEFAULT_LIMIT, decode_time_cursor, encode_cursor
from api.entity.base import utcnow
from api.entity.posting import Posting
from api.entity.user import User
from api.recruiting import erasure_traces
from api.schema.posting import PostingCreate, PostingDraft, PostingPreview, PostingUpdate
from pipeline.score import resolve_posting

#: fields the owner may set; when unset they are derived from the description
DERIVABLE = ("required_skills", "preferred_skills", "min_years_experience", "education_level")
#: settings that change no score
PRIVACY = ("blind_review", "retention_days", "closed")


def _resolve(values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """The resolved spec; `given` names the derivable fields the owner set.

    Skills are taken from the description only when neither list was given.
    """
    owned = {name: values.get(name) if name in given else None for name in DERIVABLE}
    try:
        spec = resolve_posting(
            title=values["title"],
            description=values["description"],
            location=values.get("location"),
            weights=values.get("weights"),
            **owned,
        )
    except ValueError as exc:
        raise ValidationFailedError(str(exc)) from exc
    spec["given"] = sorted(given)
    return spec


def _apply(posting: Posting, spec: dict[str, Any], weights: dict[str, float] | None) -> None:
    posting.title = spec["title"]
    posting.description = spec["description"]
    posting.required_skills = list(spec["required_skills"])
    posting.preferred_skills = list(spec["preferred_skills"])
    posting.min_years_experience = spec["min_years_experience"]
    posting.education_level = spec["education_level"]
    posting.location = spec["location"]
    posting.weights = weights
    posting.spec = spec


def preview_posting(data: PostingDraft) -> PostingPreview:
    """The skills, years and education read from a draft's text; nothing is saved."""
    values = {"title": data.title or "Untitled", "description": data.description}
    spec = _resolve(values, set())
    return PostingPreview(
        required_skills=list(spec["required_skills"]),
        preferred_skills=list(spec["preferred_skills"]),
        min_years_experience=spec["min_years_experience"],
        education_level=spec["education_level"],
    )


async def create_posting(*, session: AsyncSession, owner: User, data: PostingCreate) -> Posting:
    values = data.model_dump()
    given = {name for name in DERIVABLE if values.get(name) is not None}
    posting = Posting(
        owner_id=owner.id, blind_review=data.blind_review, retention_days=data.retention_days
    )
    _apply(posting, _resolve(values, given), data.weights)
    session.add(posting)
    await session.commit()
    return posting


async def get_posting(
    *, session: AsyncSession, owner: User, posting_id: str, for_update: bool = False
) -> Posting:
    """The owner's posting, or 404 (also for another user's posting)."""
    query = select(Posting).where(Posting.id == posting_id, Posting.owner_id == owner.id)
    if for_update:
        query = query.with_for_update()
    posting = await session.scalar(query)
    if posting is None:
        raise NotFoundError("Posting not found")
    return posting


async def list_postings(
    *, session: AsyncSession, owner: User, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> tuple[list[Posting], str | None]:
    """The owner's postings, newest first."""
    query = select(Posting).where(Posting.owner_id == owner.id)
    if cursor:
        created, ident = decode_time_cursor(cursor)
        query = query.where(
            (Posting.created_at < created)
            | ((Posting.created_at == created) & (Posting.id < ident))
        )
    query = query.order_by(Posting.created_at.desc(), Posting.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id)


async def update_posting(
    *, session: AsyncSession, owner: User, posting_id: str, data: PostingUpdate
) -> Posting:
    """Change fields and resolve the spec again; rescore to apply it to ranked candidates."""
    posting = await get_posting(
        session=session, owner=owner, posting_id=posting_id, for_update=True
    )
    changes = data.model_dump(exclude_unset=True)
    await _apply_privacy(session, posting, {k: changes.pop(k) for k in PRIVACY if k in changes})
    for required in ("title", "description"):
        if required in changes and changes[required] is None:
            raise ValidationFailedError(f"{required} cannot be null")
    given = set(posting.spec.get("given", []))
    for name in DERIVABLE:
        if name in changes:
            given.discard(name)
            if changes[name] is not None:
                given.add(name)
    values: dict[str, Any] = {
        "title": posting.title,
        "description": posting.description,
        "required_skills": posting.required_skills,
        "preferred_skills": posting.preferred_skills,
        "min_years_experience": posting.min_years_experience,
        "education_level": posting.education_level,
        "location": posting.location,
        "weights": posting.weights,
    }
    values.update(changes)
    _apply(posting, _resolve(values, given), values.get("weights"))
    await session.commit()
    return posting


async def _apply_privacy(session: AsyncSession, posting: Posting, changes: dict[str, Any]) -> None:
    """Blind review, retention and closing; turning blind review on also takes names and
    file names out of the events its screenings stored."""
    if changes.get("blind_review") is not None:
        if changes["blind_review"] and not posting.blind_review:
            await erasure_traces.hide_in_events(session, posting.id)
        posting.blind_review = changes["blind_review"]
    if "retention_days" in changes:
        posting.retention_days = changes["retention_days"]
    if changes.get("closed") is not None:
        closed = bool(changes["closed"])
        if closed != (posting.closed_at is not None):
            posting.closed_at = utcnow() if closed else None
