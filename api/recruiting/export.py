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
from api.recruiting import shortlist
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


def _safe_cell(value: Any) -> Any:
    """Keep spreadsheets from running CV text as a formula."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def cells(row: shortlist.Row, settings: Settings) -> list[Any]:
    candidate = row.candidate
    breakdown = candidate.breakdown or {}
    points = [round((breakdown.get(name) or {}).get("points", 0.0), 2) for name in COMPONENTS]
    link = settings.base_url.rstrip("/") + download_path(candidate.id, settings, for_export=True)
    values = [
        candidate.rank,
        candidate.name,
        candidate.email,
        round(candidate.score, 1),
        *points,
        "; ".join(item["skill"] for item in candidate.matched_skills or []),
        "; ".join(candidate.missing_skills or []),
        row.years,
        row.education,
        row.location,
        sniff.sanitize_filename(candidate.filename),
        link,
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
            yield _csv_line(cells(row, settings))
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


def to_csv(rows: list[shortlist.Row], settings: Settings) -> bytes:
    lines = [_csv_line(HEADER), *(_csv_line(cells(row, settings)) for row in rows)]
    return "".join(lines).encode("utf-8")


def _xlsx(rows: list[shortlist.Row], settings: Settings, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Shortlist")
    sheet.freeze_panes = "A2"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(cells(row, settings))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def to_xlsx(rows: list[shortlist.Row], settings: Settings, *, title: str) -> bytes:
    """An XLSX workbook of one sheet, built in a thread (openpyxl is synchronous)."""
    safe_title = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return await asyncio.to_thread(_xlsx, rows, settings, safe_title)
