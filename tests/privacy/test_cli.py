"""The command line: `privacy-sweep` runs the sweep once; `reencrypt-files` rewrites the
stored files under the current key."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest

from api import cli
from api.config.settings import Settings, get_settings
from api.recruiting import blobcrypt
from api.recruiting.filestore import LocalFileStore


@pytest.fixture
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    use(DATABASE_URL=settings.database_url, UPLOAD_DIR=str(settings.upload_dir),
        LOG_DIR=str(settings.log_dir))  # fmt: skip
    yield use
    get_settings.cache_clear()


def test_privacy_sweep_runs_once_and_says_what_it_did(
    environment: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["privacy-sweep"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["candidates_purged"] == 0 and "blobs_removed" in counts


def test_reencrypt_files_seals_every_stored_file(
    environment: Any, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = LocalFileStore(settings.upload_dir)
    for key, content in (("1" * 64, b"first CV"), ("2" * 64, b"second CV")):
        source = plain.temp_path()
        source.write_bytes(content)
        plain.put(source, key)
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    environment(FILE_ENCRYPTION_KEY=key)
    assert cli.main(["reencrypt-files"]) == 0
    assert capsys.readouterr().out.strip() == "2 of 2 stored file(s) rewritten"
    assert all(blobcrypt.is_sealed(plain.path(k)) for k in ("1" * 64, "2" * 64))
    assert cli.main(["reencrypt-files"]) == 0
    assert capsys.readouterr().out.strip() == "0 of 2 stored file(s) rewritten"
