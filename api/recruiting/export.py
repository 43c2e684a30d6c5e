"""Exports of a shortlist: CSV (streamed for a whole ranking) and XLSX (openpyxl).

The file links written into an export are signed like every download link, valid for
`export_link_seconds` so that a shared spreadsheet keeps working.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config.settings import Settings
from api.core.errors import ValidationFailedError
from api.entity.posting import Posting
from api.recruiting import audit, shortlist
from api.recruiting.blind import export_cells
from api.recruiting.candidate import download_path
from api.schema.shortlist import ExportCreate
from pipeline import sniff
from pipeline.components import COMPONENTS

CSV_PAGE = 500
HEADER = [
    "rank",
    "name",
    "email",
    "score",
    *COMPONENTS,
    "matched_skills",
    "missing_skills",
    "years_experience",
    "education_level",
    "location",
    "filename",
    "download_url",
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def audit_export(
    session: AsyncSession, actor: audit.Actor, posting: Posting, fmt: str, count: int | None
) -> None:
    """One audit entry per export (a list is not audited row by row); committed."""
    detail = {"format": fmt, "candidates": "all" if count is None else count}
    entry = audit.Entry("export", "posting", posting.id, posting.owner_id, posting.id, detail)
    await audit.record_now(session, actor, entry)


def _safe_cell(value: Any) -> Any:
    """Keep spreadsheets from running CV text as a formula."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def cells(row: shortlist.Row, settings: Settings, *, blind: bool = False) -> list[Any]:
    """One export row; under blind review a hidden candidate's identifying columns are
    a pseudonym and blanks."""
    candidate = row.candidate
    breakdown = candidate.breakdown or {}
    points = [round((breakdown.get(name) or {}).get("points", 0.0), 2) for name in COMPONENTS]
    link = settings.base_url.rstrip("/") + download_path(candidate.id, settings, for_export=True)
    who: dict[str, Any] = {
        "name": candidate.name, "email": candidate.email, "location": row.location,
        "filename": sniff.sanitize_filename(candidate.filename), "download_url": link,
    }  # fmt: skip
    if row.hidden(blind):
        who = export_cells(candidate.id)
    values = [
        candidate.rank,
        who["name"],
        who["email"],
        round(candidate.score, 1),
        *points,
        "; ".join(item["skill"] for item in candidate.matched_skills or []),
        "; ".join(candidate.missing_skills or []),
        row.years,
        row.education,
        who["location"],
        who["filename"],
        who["download_url"],
    ]
    return [_safe_cell(value) for value in values]


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


async def ranking_csv(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    posting_id: str,
    min_score: float | None = None,
    blind: bool = False,
) -> AsyncIterator[str]:
    """The whole ranking as CSV lines, read page by page with a session of its own.

    Check ownership (`get_posting`) before streaming this.
    """
    yield _csv_line(HEADER)
    after: tuple[int, str] | None = None
    while True:
        async with sessionmaker() as session:
            rows = await shortlist.read_rows(
                session, posting_id, min_score=min_score, after=after, limit=CSV_PAGE
            )
        for row in rows:
            yield _csv_line(cells(row, settings, blind=blind))
        if len(rows) < CSV_PAGE:
            return
        last = rows[-1].candidate
        after = (last.rank or 0, last.id)


async def chosen_rows(
    *, session: AsyncSession, posting_id: str, request: ExportCreate
) -> list[shortlist.Row]:
    """The rows the query shows, in its order; only the selected ones when ids are given."""
    rows = shortlist.narrow(
        await shortlist.read_rows(session, posting_id, min_score=request.query.min_score),
        request.query,
    )
    if request.candidate_ids is None:
        return rows
    wanted = set(request.candidate_ids)
    chosen = [row for row in rows if row.candidate.id in wanted]
    if not chosen:
        raise ValidationFailedError(
            "None of the selected candidates is in this list", error_code="EMPTY_SELECTION"
        )
    return chosen


def to_csv(rows: list[shortlist.Row], settings: Settings, *, blind: bool = False) -> bytes:
    lines = [_csv_line(HEADER), *(_csv_line(cells(row, settings, blind=blind)) for row in rows)]
    return "".join(lines).encode("utf-8")


def _xlsx(rows: list[shortlist.Row], settings: Settings, title: str, blind: bool) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Shortlist")
    sheet.freeze_panes = "A2"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(cells(row, settings, blind=blind))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def to_xlsx(
    rows: list[shortlist.Row], settings: Settings, *, title: str, blind: bool = False
) -> bytes:
    """An XLSX workbook of one sheet, built in a thread (openpyxl is synchronous)."""
    safe_title = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return await asyncio.to_thread(_xlsx, rows, settings, safe_title, blind)
