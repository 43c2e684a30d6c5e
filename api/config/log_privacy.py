"""No personal data in logs: a filter on every log handler.

The code logs identifiers (file, candidate and job ids), never CV text, names or the
uploaded file names. This filter catches what could still slip into a record, in its
message, its `path` and its traceback (an exception quoting a CV line, a database error
echoing a value): e-mail addresses, phone numbers, web links and file names (anything
ending in .pdf, .docx, .doc, .txt, .rtf or .odt) become `<email>`, `<phone>`, `<link>`
and `<file>`. SQL parameters never reach an error message (`hide_parameters` on the
database engine).
"""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s\"'<>]+", re.IGNORECASE)
_FILE = re.compile(r"[^\s\"'/\\<>|:*?]+\.(?:pdf|docx|doc|txt|rtf|odt)\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.:-])\+?\(?\d[\d ()/.-]{7,}\d(?![\w-])")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = sum(ch.isdigit() for ch in text)
    if digits < 9 or _IPV4.match(text) or _DATE.match(text):
        return text
    return "<phone>"


def scrub(text: str) -> str:
    """`text` without e-mail addresses, phone numbers, links and file names."""
    text = _EMAIL.sub("<email>", text)
    text = _LINK.sub("<link>", text)
    text = _FILE.sub("<file>", text)
    return _NUMBER.sub(_phone, text)


class PersonalDataFilter(logging.Filter):
    """Scrubs every record, whoever logged it (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            record.exc_info = None  # formatters print exc_text, never the raw exception
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        path = getattr(record, "path", None)
        if isinstance(path, str):
            record.path = scrub(path)
        return True
