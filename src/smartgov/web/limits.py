"""Request size limits (请求大小限制): a body larger than its kind allows is refused with 413 before it
is buffered — at once by its Content-Length, or while it streams in (chunked bodies)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartgov.config import Settings

KB = 1024
MB = 1024 * KB
CODE = "payload_too_large"


def too_large_message(limit: int) -> str:
    """What a person reads when the body is too large."""
    return f"提交的内容过大，超过上限 {_size_label(limit)}，请缩小文件或分次提交"


def _size_label(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size / KB:g} KB"


class PayloadTooLarge(HTTPException):
    """413: raised while the body streams in, so the endpoint's own error shape answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))
        self.limit = limit


@dataclass(frozen=True)
class BodyLimits:
    """The largest body of each kind of request, in bytes."""

    json: int  # JSON and every other non-form body
    form: int  # application/x-www-form-urlencoded
    upload: int  # multipart/form-data: the photos plus their form fields

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        form = settings.max_form_kb * KB
        return cls(json=settings.max_json_kb * KB, form=form,
                   upload=settings.max_upload_mb * MB * settings.max_upload_files + form)

    def for_type(self, content_type: str) -> int:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":
            return self.upload
        if kind == "application/x-www-form-urlencoded":
            return self.form
        return self.json


Reject = Callable[[Scope, Receive, Send, int], Awaitable[None]]


class BodyLimit:
    """ASGI middleware enforcing ``BodyLimits``; ``reject`` sends the 413 when the declared
    Content-Length is already too large (the body is then never read)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits, reject: Reject) -> None:
        self.app = app
        self.limits = limits
        self.reject = reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limits.for_type(headers.get("content-type", ""))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self.reject(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except PayloadTooLarge:
            if started:
                raise
            await self.reject(scope, receive, send, limit)  # read outside an endpoint
