"""One Jinja2 environment for every domain's pages; templates live in ``<domain>/templates/<domain>/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from smartgov.config import get_settings
from smartgov.web import menu

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _template_dirs() -> list[str]:
    return [str(p) for p in sorted(PACKAGE_DIR.glob("*/templates")) if p.is_dir()]


def _format_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    try:
        return value.astimezone(get_settings().tz).strftime(fmt)
    except AttributeError:
        return str(value)


_env = Environment(loader=FileSystemLoader(_template_dirs()), autoescape=select_autoescape())
_env.filters["dt"] = _format_time
templates = Jinja2Templates(env=_env)


def _unread_counter(request: Request, principal: Any) -> Callable[[], int]:
    """The header's 未读消息 count, counted only when a page with the header asks for it."""

    def count() -> int:
        factory = getattr(request.app.state, "session_factory", None)
        if principal is None or principal.user_id is None or factory is None:
            return 0
        from smartgov.inbox.service import unread_count

        with factory() as session:
            return unread_count(session, principal)

    return count


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render a page with the current principal and CSRF token available to the template."""
    ctx: dict[str, Any] = {
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "settings": get_settings(),
    }
    ctx["menu"] = menu.links_for(ctx["principal"])
    ctx["unread_count"] = _unread_counter(request, ctx["principal"])
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
