"""create_app(): the one web application that mounts every domain's API and pages."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from smartgov import __version__
from smartgov.config import get_settings
from smartgov.db import get_engine
from smartgov.errors import AppError
from smartgov.web import limits
from smartgov.web.edge import BlankQueryValues, refuse_nul
from smartgov.web.headers import SecurityHeaders
from smartgov.web.templating import STATIC_DIR, render

log = logging.getLogger("smartgov")

# Domains whose ``views.router`` (JSON API) and ``pages.router`` (HTML) are mounted, in order.
DOMAINS = ("auth", "org", "workclock", "jobs", "inbox", "cases", "services", "iot", "registry", "exchange",
           "opinion")
EXTRA_ROUTERS = (
    "smartgov.cases.channels.pages:router",
    "smartgov.cases.catalogue.pages:router",
    "smartgov.cases.command_map:router",
    "smartgov.cases.command_map:api",
    "smartgov.cases.open311.views:router",
    "smartgov.cases.kpi.pages:router",
    "smartgov.cases.open311.views:admin_router",
    "smartgov.cases.dispatch_pages:router",
    "smartgov.services.certificates.views:router",
    "smartgov.services.certificates.pages:router",
    "smartgov.registry.gridmap:router",
    "smartgov.registry.gridmap:api",
)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/open311/", "/healthz", "/token")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


class ErrorOut(BaseModel):
    """An error as the JSON API answers it (错误响应): a stable code and a message for people."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["案件不存在"])
    details: Any = Field(None, description="字段错误等补充信息 (e.g. [{field, message}])")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "请求有误 (bad request)"),
        (401, "未登录或令牌无效 (not authenticated)"),
        (403, "无权操作或安全校验失败 (forbidden)"),
        (404, "对象不存在 (not found)"),
        (409, "状态已变化或不允许此操作 (conflict)"),
        (413, "提交的内容过大 (payload too large)"),
        (422, "输入有误 (validation failed)"),
    )
}
"""The error responses every API route declares in /openapi.json; a router that declares error
responses of its own (Open311's GeoReport errors) keeps only those."""


def _error_response(
    request: Request, status: int, code: str, message: str, details: Any = None
) -> Response:
    if _wants_json(request):
        body: dict[str, Any] = {"code": code, "message": message}
        if details is not None:
            body["details"] = details
        return JSONResponse(body, status_code=status)
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(
        request,
        "web/error.html",
        {"code": code, "message": message, "status": status},
        status_code=status,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return _error_response(request, exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg"),
            }
            for e in exc.errors()
        ]
        return _error_response(
            request, 422, "validation_failed", "输入有误 (invalid input)", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {
            404: "not_found",
            405: "method_not_allowed",
            401: "not_authenticated",
            403: "forbidden",
            413: limits.CODE,
        }
        message = exc.detail if isinstance(exc.detail, str) else "请求错误"
        if exc.status_code == 404 and message == "Not Found":
            message = "页面或对象不存在 (not found)"
        return _error_response(
            request, exc.status_code, codes.get(exc.status_code, "http_error"), message
        )


async def _reject_too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """The 413 of a body refused by its Content-Length, in the app's error shape."""
    request = Request(scope, receive)
    response = _error_response(request, 413, limits.CODE, limits.too_large_message(limit),
                               {"limit_bytes": limit})
    await response(scope, receive, send)


def _principal_of(request: Request) -> tuple[Any, str]:
    """Who is asking (and their CSRF token), in a session of its own that is committed at once
    (a web session's last-seen time, a refreshed cookie)."""
    from smartgov.auth.middleware import resolve_principal

    session = request.app.state.session_factory()
    try:
        found = resolve_principal(request, session)
        session.commit()
        return found
    finally:
        session.close()


def _install_principal_middleware(app: FastAPI) -> None:

    @app.middleware("http")
    async def principal_middleware(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/static/"):
            return await call_next(request)
        # database work: in the thread pool, never on the event loop that serves every request
        principal, csrf = await run_in_threadpool(_principal_of, request)
        request.state.principal = principal
        request.state.csrf_token = csrf
        response = await call_next(request)
        after = getattr(request.state, "after_response", None)
        if after:
            after(response)
        return response


def _include_domain_routers(app: FastAPI) -> None:
    for domain in DOMAINS:
        for part in ("views", "pages"):
            try:
                module = importlib.import_module(f"smartgov.{domain}.{part}")
            except ModuleNotFoundError as exc:
                if exc.name == f"smartgov.{domain}.{part}":
                    continue
                raise
            router = getattr(module, "router", None)
            if router is not None:
                _include(app, router)
    for spec in EXTRA_ROUTERS:
        module_name, attr = spec.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        _include(app, getattr(module, attr))


def _start_background(spec: str, factory: sessionmaker) -> Any:
    """Start one domain's background part (it returns its stop function; it must not block)."""
    module_name, attr = spec.split(":")
    return getattr(importlib.import_module(module_name), attr)(factory)


def _include(app: FastAPI, router: APIRouter) -> None:
    own_errors = any(status in router.responses for status in ERROR_RESPONSES)
    app.include_router(router, responses=None if own_errors else ERROR_RESPONSES)


VENDOR_URL = "/static/vendor"


def _install_api_docs(app: FastAPI) -> None:
    """接口文档: Swagger UI at /docs and ReDoc at /redoc from vendored assets (no CDN)."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

    title = f"{app.title} · 接口文档"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> Response:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            swagger_js_url=f"{VENDOR_URL}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR_URL}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{VENDOR_URL}/swagger-ui/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> Response:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            redoc_js_url=f"{VENDOR_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{VENDOR_URL}/swagger-ui/favicon-32x32.png", with_google_fonts=False,
        )


def create_app(engine: Engine | None = None) -> FastAPI:
    """Build the application; ``engine`` defaults to ``SMARTGOV_DATABASE_URL`` (or var/smartgov.db)."""
    settings = get_settings()
    settings.ensure_dirs()
    engine = engine or get_engine()
    from smartgov.auth.deps import verify_csrf

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Load the domains' job modules and run jobs in-process (unless --no-worker or inline);
        periodic work such as the time-limit sweep runs once per tick across all processes."""
        from smartgov.domains import BACKGROUND, JOB_MODULES
        from smartgov.jobs.worker import start_in_process

        stop_jobs = start_in_process(app.state.engine, JOB_MODULES)
        stops = [_start_background(spec, app.state.session_factory) for spec in BACKGROUND]
        yield
        for stop in stops:
            stop()
        stop_jobs()

    app = FastAPI(
        lifespan=lifespan,
        # every request: no NUL in its text; every state-changing request, pages and API alike: CSRF
        dependencies=[Depends(refuse_nul), Depends(verify_csrf)],
        title="smartgov 智慧政务一体化平台",
        version=__version__,
        description="一网统管 · 一网通办 — JSON API. Errors carry a stable `code` and a `message`.",
        docs_url=None,  # served below from the vendored assets: the CDN default is blank offline
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    # middleware, innermost first: size limits (inside the principal, so a 413 page has its
    # header), who is asking, blank query values dropped, security headers on every response
    app.add_middleware(limits.BodyLimit, limits=limits.BodyLimits.of(settings), reject=_reject_too_large)
    _install_principal_middleware(app)
    app.add_middleware(BlankQueryValues)
    app.add_middleware(SecurityHeaders, tile_url=settings.map_tile_url)

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, str]:
        """Liveness with a database round trip."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    _include_domain_routers(app)
    _install_api_docs(app)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app
