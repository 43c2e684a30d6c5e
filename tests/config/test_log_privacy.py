"""Personal data stays out of the logs: e-mail addresses, phone numbers, links and file
names are scrubbed from every record's message, path and traceback, in text and JSON."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from api.config.log_privacy import scrub
from api.config.logging_config import configure_logging
from api.config.settings import Settings


def test_scrub_replaces_personal_data_and_keeps_identifiers() -> None:
    line = (
        "ada@example.org called +44 7700 900456 and 555-123-4567, see https://ada.dev/cv, "
        "sent Ada_Lovelace.pdf and cv.DOCX"
    )
    assert scrub(line) == ("<email> called <phone> and <phone>, see <link> sent <file> and <file>")
    kept = (
        "file 3f2a1b4c-1234-5678-9abc-def012345678 from 192.168.100.200 at 2026-12-02 15:04:05 "
        "in 12.34ms, app.log, api/main.py, 2018 - 2021, job 7 of 1200"
    )
    assert scrub(kept) == kept


@pytest.mark.parametrize("as_json", [False, True])
def test_records_and_tracebacks_are_scrubbed_on_disk(as_json: bool, tmp_path: Path) -> None:
    settings = Settings(log_dir=tmp_path, log_json=as_json, _env_file=None)  # type: ignore[call-arg]
    configure_logging(settings)
    logger = logging.getLogger("tests.privacy")
    logger.warning("parsed %s for %s", "jane.doe@example.com", "jane-doe-cv.pdf")
    try:
        raise ValueError("could not read line: Jane Doe, +44 7700 900123, jane.doe@example.com")
    except ValueError:
        logger.exception("parsing failed for file %s", "3f2a1b4c")
    logger.info("request", extra={"path": "/api/v1/x?email=jane.doe@example.com"})
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = (tmp_path / "app.log").read_text()
    assert "jane.doe@example.com" not in log and "7700 900123" not in log
    assert "jane-doe-cv.pdf" not in log
    assert "<email>" in log and "<phone>" in log and "<file>" in log
    assert "ValueError" in log and "parsing failed for file 3f2a1b4c" in log
    if as_json:
        records = [json.loads(line) for line in log.splitlines()]
        assert any("ValueError" in r.get("exc", "") for r in records)
        assert any(r.get("path") == "/api/v1/x?email=<email>" for r in records)
