"""Security headers on every response (安全响应头): no framing, a Content-Security-Policy that lets
only the vendored assets and this request's nonce run, no MIME sniffing, a same-origin referrer.

Templates mark their inline ``<script>``/``<style>`` with ``nonce="{{ csp_nonce }}"``; style
attributes stay allowed (``style-src-attr``), event-handler attributes and ``javascript:`` links
do not run. A response that sets its own Content-Security-Policy keeps it."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NONCE_KEY = "csp_nonce"  # in the request state, read by web.templating.render
# The API docs pages (Swagger UI, ReDoc) are FastAPI's HTML with an inline script and bundles that
# inject <style> elements and start blob: workers: they get their own, looser policy.
DOCS_PATHS = ("/docs", "/redoc")


def tile_origin(tile_url: str) -> str:
    """The origin of the configured map tiles (``https://tiles.example``), or "" when offline."""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.replace("a.", "*.", 1) if "{s}." in tile_url else parts.netloc
    return f"{parts.scheme}://{host}"


def content_security_policy(nonce: str, tile_url: str = "", *, docs: bool = False) -> str:
    images = " ".join(filter(None, ("'self'", "data:", "blob:", tile_origin(tile_url))))
    inline = "'unsafe-inline'" if docs else f"'nonce-{nonce}'"
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' {inline}",
        f"style-src 'self' {inline}",
        "style-src-attr 'unsafe-inline'",
        "worker-src 'self' blob:",
        f"img-src {images}",
        "connect-src 'self'",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


class SecurityHeaders:
    """ASGI middleware: a fresh CSP nonce per request and the security headers on its response."""

    def __init__(self, app: ASGIApp, tile_url: str = "") -> None:
        self.app = app
        self.tile_url = tile_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        policy = content_security_policy(nonce, self.tile_url, docs=scope["path"] in DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)
