"""The per-install secret: generated on first start, kept in the data directory (0600).

An install that configures no `SECRET_KEY` gets a random one of its own, so no two
installs share a key and `make run` needs no setup. Several hosts must share one key:
they set `SECRET_KEY` (production refuses to start without it, see settings.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32


class ConfigurationError(SystemExit):
    """A configuration the service must not start with.

    A `SystemExit`, so every entry point (uvicorn, gunicorn, the worker, Alembic, the
    CLI) stops with this one message and exit status 1 instead of a traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"cvmatch cannot start: {message}")
        self.message = message


def load_or_create(path: Path) -> str:
    """The key kept at `path`; on first use, a new random key written there (mode 0600)."""
    if not path.exists():
        _create(path)
    return _read(path)


def _read(path: Path) -> str:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read SECRET_KEY_FILE {path}: {exc}") from None
    if mode & 0o077:
        raise ConfigurationError(
            f"SECRET_KEY_FILE {path} is open to other users (mode {mode:o}); run `chmod 600 {path}`"
        )
    if len(text) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY_FILE {path} holds no usable key ({MIN_SECRET_LENGTH}+ characters); "
            "delete it to have a new one generated (every user will have to log in again)"
        )
    return text


def _create(path: Path) -> None:
    """Write a new key atomically: processes starting together all end up with one key."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)  # appears complete, or not at all
        except FileExistsError:
            return  # another process of this install wrote it first: theirs is used
        logger.warning(
            "generated a SECRET_KEY for this install in %s; set SECRET_KEY (the same on "
            "every host) to share one key between hosts",
            path,
        )
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create SECRET_KEY_FILE {path} ({exc.strerror}); "
            "set SECRET_KEY, or SECRET_KEY_FILE to a writable place"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            draft.unlink(missing_ok=True)
