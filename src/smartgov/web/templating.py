"""One Jinja2 environment for every domain's pages; templates live in ``<domain>/templates/<domain>/``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from smartgov.config import get_settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _template_dirs() -> list[str]:
    return [str(p) for p in sorted(PACKAGE_DIR.glob("*/templates")) if p.is_dir()]


def format_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in the platform's time zone, as pages and exports show it."""
    if value is None:
        return ""
    try:
        return value.astimezone(get_settings().tz).strftime(fmt)
    except AttributeError:
        return str(value)


# A parenthesised English gloss such as " (your role may not do this)": for the JSON API only.
_ENGLISH_GLOSS = re.compile(r"\s*[(（][\x20-\x7e]*[A-Za-z][\x20-\x7e]*[)）]")


def for_people(message: Any) -> str:
    """A message as a page shows it: the English glosses some messages carry for the API removed."""
    return _ENGLISH_GLOSS.sub("", str(message or "")).strip()


_env = Environment(loader=FileSystemLoader(_template_dirs()), autoescape=select_autoescape())
_env.filters["dt"] = format_time
_env.filters["for_people"] = for_people
templates = Jinja2Templates(env=_env)


def register_filter(name: str, function: Callable[[Any], str]) -> None:
    """A Jinja filter every template may use, registered by the package that owns its rule (the
    working clock's ``limit``), so the web layer imports none of them."""
    _env.filters[name] = function


ContextProvider = Callable[[Request, Any], Any]  # (request, principal) → a value for every page
HeaderCount = Callable[[Any, Any], int]  # (session, principal) → a number for the page header
_providers: dict[str, ContextProvider] = {}


def register_context(name: str, provider: ContextProvider) -> None:
    """Something every page shows (the menu, the header's counts), registered by the package
    that owns it, so the web layer imports none of them."""
    _providers[name] = provider


def register_header_count(name: str, count: HeaderCount) -> None:
    """A number every page header may show (the inbox's 未读消息), counted only when shown."""
    register_context(name, lambda request, principal: _header_counter(request, principal, count))


def _header_counter(request: Request, principal: Any, count: HeaderCount) -> Callable[[], int]:
    """A header count, counted only when a page with the header asks for it."""

    def counted() -> int:
        factory = getattr(request.app.state, "session_factory", None)
        if principal is None or principal.user_id is None or factory is None:
            return 0
        with factory() as session:
            return count(session, principal)

    return counted


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render a page with the current principal and CSRF token available to the template."""
    ctx: dict[str, Any] = {
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),  # web.headers: inline scripts need it
        "settings": get_settings(),
    }
    for key, provider in _providers.items():
        ctx[key] = provider(request, ctx["principal"])
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
