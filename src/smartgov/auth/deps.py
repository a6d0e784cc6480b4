"""FastAPI dependencies of the one permission layer used by pages and API alike.

- ``current_principal``: who is acting (resolved once per request by the auth middleware from
  the bearer token or the session cookie; anonymous when neither is valid).
- ``require_login`` / ``require_staff`` / ``require_roles(Role.X, ...)``: 401 for anonymous
  visitors, 403 for an account without the right.
- ``verify_csrf``: the CSRF check, applied once for the whole application in
  ``app.create_app`` (``FastAPI(dependencies=[Depends(verify_csrf)])``), so every router has it;
  routers need not add it. It is idempotent (a second application is free, as in a test app
  that adds it to a router) and costs nothing for GET/HEAD/OPTIONS.

CSRF rules (why a dependency and not the middleware: the token of a form post is in the body,
and only the endpoint machinery can read the body without consuming it — FastAPI parses the form
once and Starlette caches it, so both this check and the endpoint read the same form):

1. Safe methods (GET, HEAD, OPTIONS, TRACE) are never checked — so never change state in a GET.
2. Requests authenticated by a bearer token are not checked (browsers never add that header).
3. Requests authenticated by the session cookie must carry the session's token, in the header
   ``X-CSRF-Token`` (htmx sends it, see base.html; JSON clients under /api/ must send it) or in
   the form field ``csrf_token``:
   ``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``.
4. Anonymous requests to pages (the citizen report form, login, registration) must carry the
   token of the anonymous ``sg_csrf`` cookie the same way (double submit). Anonymous requests
   under /api/ and /open311/ are not checked: they carry no ambient credentials.

Failure: 403 with code ``csrf_failed``.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from smartgov.auth.middleware import (
    client_addr,  # noqa: F401  (re-exported for views)
    is_machine_path,
)
from smartgov.auth.principal import ANONYMOUS, Principal
from smartgov.auth.roles import Role
from smartgov.auth.tokens import same
from smartgov.errors import Forbidden, NotAuthenticated

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Declared so that /openapi.json shows the bearer scheme; the middleware does the real work.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False,
                                     description="令牌：POST /api/v1/auth/token 或个人令牌")


def current_principal(request: Request, _token: str | None = Depends(oauth2_scheme)) -> Principal:
    """The principal resolved by the auth middleware for this request (anonymous when none)."""
    return getattr(request.state, "principal", ANONYMOUS)


def require_login(principal: Principal = Depends(current_principal)) -> Principal:
    """Any logged-in account (staff, citizen or enterprise)."""
    principal.require_login()
    return principal


def require_roles(*roles: str | Role):
    """Dependency factory: the principal must hold one of ``roles``."""

    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        principal.require_any(*roles)
        return principal

    return dependency


def require_staff(principal: Principal = Depends(current_principal)) -> Principal:
    if principal.is_anonymous:
        raise NotAuthenticated("请先登录 (login required)")
    if not principal.is_staff:
        raise Forbidden("仅限工作人员 (staff only)")
    return principal


async def _submitted_token(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        form = await request.form()  # cached by Starlette: the endpoint reads the same form
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


# Endpoints that act as nobody in particular and take an explicit key (Open311 api_key).
KEY_AUTHENTICATED_PREFIXES = ("/open311/v2/",)


async def verify_csrf(request: Request) -> None:
    """Reject a state-changing browser request without the right CSRF token (403 csrf_failed)."""
    if request.method in SAFE_METHODS or getattr(request.state, "csrf_checked", False):
        return
    principal: Principal = getattr(request.state, "principal", ANONYMOUS)
    if principal.via == "token":
        return
    if principal.is_anonymous and is_machine_path(request.url.path):
        return
    if request.url.path.startswith(KEY_AUTHENTICATED_PREFIXES):
        return  # authenticated by an API key in the request, never by the cookie
    expected = getattr(request.state, "csrf_token", "")
    if not same(await _submitted_token(request), expected):
        raise Forbidden("安全校验失败，请刷新页面后重试 (CSRF token missing or wrong)",
                        code="csrf_failed")
    request.state.csrf_checked = True
