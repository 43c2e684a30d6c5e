"""Text extraction from PDF, DOCX and plain-text CVs.

PDFium (pypdfium2) is not thread-safe, so every PDFium call runs under one
module-level lock; use several processes, not threads, for more throughput.
"""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from charset_normalizer import from_bytes
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipeline.errors import ExtractionError
from pipeline.pdf_layout import page_text

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_DOCX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_PDF_PAGES = 30
MIN_TEXT_CHARS = 20

_PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Document:
    text: str
    #: the file embeds a picture (first PDF page, or any DOCX media): a likely photo
    has_image: bool


def extract_text(path: Path, kind: str) -> str:
    """The text of the CV at `path`; raises :class:`ExtractionError`."""
    return extract_document(path, kind).text


def extract_document(path: Path, kind: str) -> Document:
    """The text of the CV at `path` and whether it holds an image."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError("EMPTY_FILE", "file cannot be read") from exc
    if size == 0:
        raise ExtractionError("EMPTY_FILE", "file is empty")
    if size > MAX_FILE_BYTES:
        raise ExtractionError("FILE_TOO_LARGE", f"file is larger than {MAX_FILE_BYTES} bytes")
    has_image = False
    if kind == "pdf":
        text, has_image = _pdf_text(path)
    elif kind == "docx":
        text, has_image = _docx_text(path)
    elif kind == "txt":
        text = _txt_text(path, size)
    else:
        raise ExtractionError("UNSUPPORTED_TYPE", f"unsupported file type {kind!r}")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if len(text.strip()) < MIN_TEXT_CHARS:
        if kind == "pdf":
            raise ExtractionError("NO_TEXT_LAYER", "the PDF has no text layer (scanned image?)")
        raise ExtractionError("EMPTY_FILE", "the file holds no text")
    return Document(text, has_image)


def _pdf_text(path: Path) -> tuple[str, bool]:
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            message = str(exc).lower()
            if "password" in message or "security" in message:
                raise ExtractionError("PDF_ENCRYPTED", "the PDF is password-protected") from exc
            raise ExtractionError("PDF_CORRUPT", "the PDF cannot be opened") from exc
        try:
            return _pdf_pages(document)
        except pdfium.PdfiumError as exc:
            raise ExtractionError("PDF_CORRUPT", "the PDF cannot be read") from exc
        finally:
            document.close()


def _pdf_pages(document: pdfium.PdfDocument) -> tuple[str, bool]:
    pages: list[str] = []
    has_image = False
    for index in range(min(len(document), MAX_PDF_PAGES)):
        page = document[index]
        try:
            if index == 0:
                has_image = _has_image(page)
            textpage = page.get_textpage()
            try:
                width, height = page.get_size()
                pages.append(page_text(textpage, width, height))
            finally:
                textpage.close()
        finally:
            page.close()
    return "\n".join(pages), has_image


def _has_image(page: pdfium.PdfPage) -> bool:
    """Any top-level image object on the page (raw calls: no Python object per item)."""
    raw = page.raw
    for index in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, index)
        if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
    return False


def _read_capped_zip(path: Path) -> tuple[io.BytesIO, bool]:
    """Copy the zip into memory, refusing archives that inflate past the cap."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_DOCX_UNCOMPRESSED:
                raise ExtractionError("FILE_TOO_LARGE", "the DOCX inflates past the size cap")
            buffer = io.BytesIO()
            budget = MAX_DOCX_UNCOMPRESSED
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
                for info in infos:
                    with archive.open(info) as member:
                        data = member.read(budget + 1)
                    budget -= len(data)
                    if budget < 0:
                        raise ExtractionError("FILE_TOO_LARGE", "the DOCX inflates past the cap")
                    copy.writestr(info.filename, data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ExtractionError("DOCX_CORRUPT", "the DOCX archive cannot be read") from exc
    buffer.seek(0)
    return buffer, any(info.filename.startswith("word/media/") for info in infos)


def _docx_text(path: Path) -> tuple[str, bool]:
    buffer, has_image = _read_capped_zip(path)
    try:
        document = docx.Document(buffer)
    except Exception as exc:  # python-docx raises many types on malformed parts
        raise ExtractionError("DOCX_CORRUPT", "the DOCX document cannot be parsed") from exc
    lines: list[str] = []
    for section in document.sections:
        lines.extend(p.text for p in section.header.paragraphs if p.text.strip())
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_table_lines(block))
    return "\n".join(lines), has_image


def _table_lines(table: Table) -> list[str]:
    lines: list[str] = []
    for row in table.rows:
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat
                continue
            seen.add(id(cell._tc))
            lines.extend(p.text for p in cell.paragraphs)
            for inner in cell.tables:
                lines.extend(_table_lines(inner))
    return lines


def _txt_text(path: Path, size: int) -> str:
    if size > MAX_TEXT_BYTES:
        raise ExtractionError("FILE_TOO_LARGE", f"text file is larger than {MAX_TEXT_BYTES} bytes")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise ExtractionError("UNSUPPORTED_TYPE", "the file is not readable text")
    return str(best)
