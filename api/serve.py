"""Server-side settings that are not the app's: the gunicorn worker class.

WebSocket per-message compression is off. Events are small JSON, and a deflate
context per connection costs tens of KB of memory and CPU on every fan-out send (the
`push_fanout` benchmark measures the memory). `make run` passes the same option to
uvicorn (`--ws-per-message-deflate false`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):  # type: ignore[misc]
    """UvicornWorker without WebSocket per-message compression."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        **UvicornWorker.CONFIG_KWARGS,
        "ws_per_message_deflate": False,
    }
