"""Pool processes never outlive the process that started them.

The process pool's fork server is started by the service process, and the pool's
workers are forked from the fork server. If the service dies (SIGKILL, an OOM kill, a
crash), nothing would tell them: the workers wait on their task queue for ever, holding
their memory. On Linux each asks the kernel for SIGKILL when its parent dies
(`PR_SET_PDEATHSIG`): the fork server when the service goes, a worker when the fork
server goes. The fork server arms itself by importing `forkserver_preload` (first in
the pool's preload list), each worker through the pool's initializer.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def arm(parent: int | None = None) -> None:
    """Die with the parent process (Linux); elsewhere a no-op.

    `parent` is the process this one was started from, where the caller knows it (a pool
    worker: the fork server). A parent that died before the request took hold sends no
    signal; this process then finds another parent and ends at once, instead of waiting
    for ever on a queue whose both ends it holds itself.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid() if parent is None else parent
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(0)
