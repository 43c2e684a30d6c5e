"""Private MariaDB and Redis instances in a temp directory on a spare port.

Fault tests stop and start these, never the shared services the rest of the
suite uses.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from tests.support.processes import free_port
from tests.support.services import port_open, unavailable


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout}s")


class PrivateMariaDB:
    """`mariadb-install-db` + `mariadbd` under `root`; root with no password, db `test`."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.datadir = base / "data"
        self.sock = base / "mysqld.sock"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mysql+aiomysql://root@127.0.0.1:{self.port}/test"

    def install(self) -> PrivateMariaDB:
        install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        if not install or not Path("/usr/sbin/mariadbd").exists():
            unavailable("MariaDB server binaries are missing: apt-get install -y mariadb-server")
        self.base.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [install, "--no-defaults", f"--datadir={self.datadir}", "--user=root",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, capture_output=True, timeout=120,
        )
        return self

    def start(self) -> PrivateMariaDB:
        with open(self.base / "mariadbd.log", "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.datadir}",
                 f"--socket={self.sock}", f"--port={self.port}", "--bind-address=127.0.0.1",
                 "--user=root", "--skip-name-resolve", "--innodb-buffer-pool-size=32M",
                 "--skip-log-bin", f"--pid-file={self.base / 'mariadbd.pid'}"],
                stdout=log, stderr=log,
            )
        _wait(lambda: port_open("127.0.0.1", self.port), 60, "private mariadbd")
        self._sql("CREATE DATABASE IF NOT EXISTS test CHARACTER SET utf8mb4")
        return self

    def _sql(self, statement: str) -> None:
        for _ in range(50):
            done = subprocess.run(
                ["mariadb", f"--socket={self.sock}", "-uroot", "-e", statement],
                capture_output=True, timeout=10,
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(done.stderr.decode())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class PrivateRedis:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if not binary:
            unavailable("redis-server is missing: apt-get install -y redis-server")
        self.base.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait(lambda: port_open("127.0.0.1", self.port), 20, "private redis")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
