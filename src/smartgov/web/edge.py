"""What every request passes at the edge (入口校验), once for the whole application: blank query
values mean "not given", and text carrying a NUL character is refused before any service or the
database sees it (PostgreSQL cannot store NUL in text)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from smartgov.errors import ValidationFailed

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def without_blank_values(query_string: bytes) -> bytes:
    """The query string without its blank parameters (``start=&end=``, ``q=+``, ``flag``)."""
    kept = []
    for part in query_string.split(b"&"):
        _, _, value = part.partition(b"=")
        if unquote_plus(value.decode("latin-1")).strip():
            kept.append(part)
    return b"&".join(kept)


class BlankQueryValues:
    """ASGI middleware: a blank query value is the same as no value, for every page and API
    (an empty 筛选 field filters nothing), before FastAPI reads the parameters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            scope = dict(scope, query_string=without_blank_values(scope["query_string"]))
        await self.app(scope, receive, send)


def _texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every text (keys included) inside a parsed JSON value, with where it sits."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield where, str(key)
            yield from _texts(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{where}.{index}" if where else str(index))


async def _request_texts(request: Request) -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = [("path", request.url.path)]
    texts += [(f"path.{k}", str(v)) for k, v in request.path_params.items()]
    for key, value in request.query_params.multi_items():
        texts += [(f"query.{key}", key), (f"query.{key}", value)]
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return texts
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(FORM_TYPES):
        form = await request.form()  # cached by Starlette: the endpoint reads the same form
        for key, item in form.multi_items():
            texts.append((key, key))
            if isinstance(item, UploadFile):
                texts.append((key, item.filename or ""))
            else:
                texts.append((key, item))
        return texts
    body = await request.body()  # cached too
    if "json" in content_type:
        if b"\\u0000" in body:
            with contextlib.suppress(ValueError):  # not JSON: the endpoint answers that
                texts += list(_texts(json.loads(body), ""))
    elif b"\x00" in body:
        texts.append(("body", NUL))
    return texts


async def refuse_nul(request: Request) -> None:
    """Refuse a request with a NUL character in its path, query, form or JSON text (422)."""
    for where, text in await _request_texts(request):
        if NUL in text:
            raise ValidationFailed(
                "输入中含有不允许的空字符（\\0），请删除后重试 (NUL character not allowed)",
                code="nul_character", details=[{"field": where}])
