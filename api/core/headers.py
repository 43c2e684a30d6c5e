"""Security headers on every HTTP response, with a Content-Security-Policy per area.

- the console (`/`, `/console/…`): scripts, styles and connections from its own origin
  only, including its WebSocket (`ws://` / `wss://` on the same host);
- Swagger UI (`/docs`) runs one inline script: it is allowed by its SHA-256 hash,
  computed from the page itself, never by `'unsafe-inline'`;
- ReDoc (`/redoc`) starts a Web Worker from a `blob:` URL and injects its styles;
- everything else (JSON, files) gets `default-src 'none'`: nothing to run there;
  a candidate's original file may be framed by the console itself (its PDF preview).
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONSOLE_PREFIXES = ("/console/",)
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
FRAMEABLE_CSP = "default-src 'none'; frame-ancestors 'self'"
_FRAMEABLE = re.compile(r"^/api/v1/candidates/[^/]+/file$")
_BASE = "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"


def console_csp(host: str | None) -> str:
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:; font-src 'self'; connect-src 'self'{sockets}; {_BASE}"
    )


def docs_csp(inline_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in inline_hashes)])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        f"worker-src 'self' blob:; {_BASE}"
    )


def inline_script_hashes(html: bytes) -> list[str]:
    return [
        base64.b64encode(hashlib.sha256(body).digest()).decode()
        for body in _INLINE_SCRIPT.findall(html)
    ]


def _area(path: str) -> str:
    if path == "/" or path.startswith(CONSOLE_PREFIXES):
        return "console"
    if path in DOCS_PATHS:
        return "docs"
    if _FRAMEABLE.match(path):
        return "file"
    return "api"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_seconds: int = 0) -> None:
        self.app = app
        self.common = dict(COMMON)
        if hsts_seconds:
            self.common["strict-transport-security"] = f"max-age={hsts_seconds}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        area = _area(scope.get("path", ""))
        if area == "docs":
            await self._docs(scope, receive, send)
            return
        host = _host(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if area == "file":
                    headers["x-frame-options"] = "SAMEORIGIN"
                self._common(headers)
                headers["content-security-policy"] = (
                    console_csp(host)
                    if area == "console"
                    else FRAMEABLE_CSP
                    if area == "file"
                    else API_CSP
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _common(self, headers: MutableHeaders) -> None:
        for name, value in self.common.items():
            headers.setdefault(name, value)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) HTML page back until its inline scripts can be hashed."""
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await self._flush(held, send)

        await self.app(scope, receive, hold)

    async def _flush(self, held: list[Message], send: Send) -> None:
        start, *bodies = held
        html = b"".join(m.get("body", b"") for m in bodies)
        headers = MutableHeaders(scope=start)
        self._common(headers)
        headers["content-security-policy"] = docs_csp(inline_script_hashes(html))
        await send(start)
        for message in bodies:
            await send(message)
        held.clear()


def _host(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return str(value.decode("latin-1"))
    return None
