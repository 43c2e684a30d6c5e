"""Reach the real services the suite needs, or say how to enable them.

On a developer machine a missing MariaDB, Redis or browser skips the tests that need
it, with a reason naming the fix. With CI=true nothing skips: it fails.
"""

from __future__ import annotations

import os
import socket
from typing import NoReturn
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DEFAULT_MYSQL_URL = "mysql+aiomysql://root@127.0.0.1:3306/cvmatch_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_redis() -> str:
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    parsed = urlparse(url)
    if not port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        unavailable(
            f"Redis is not reachable at {url}: start it with "
            "`redis-server --daemonize yes --port 6379` or set TEST_REDIS_URL"
        )
    return url


def require_mysql(url: str) -> None:
    parsed = urlparse(url.replace("mysql+aiomysql", "mysql"))
    if not port_open(parsed.hostname or "127.0.0.1", parsed.port or 3306):
        unavailable(
            f"MariaDB/MySQL is not reachable at {parsed.hostname}:{parsed.port or 3306}: "
            "start it (`start-stop-daemon --start --background --exec /usr/sbin/mariadbd`) "
            "or point TEST_DATABASE_URL at one"
        )
