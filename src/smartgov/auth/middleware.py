"""Resolves the principal of each request from its bearer token or session cookie.

Called by app.py's middleware for every request (except /static/); the middleware commits the
session afterwards (idle sessions ended, last_seen_at touched) and calls
``request.state.after_response(response)``, which this module uses to set or clear cookies.

CSRF tokens: a logged-in browser session has its own token (WebSession.csrf_token); an anonymous
visitor gets a signed random token in the ``sg_csrf`` cookie (double submit). Either way the
token is returned here, becomes ``request.state.csrf_token`` and is rendered into forms;
``smartgov.auth.deps.verify_csrf`` checks what comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import Request, Response
from sqlalchemy.orm import Session

from smartgov.auth import service
from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.tokens import hash_token, new_anonymous_csrf, sign, unsign, valid_anonymous_csrf
from smartgov.config import get_settings
from smartgov.db import now

SESSION_COOKIE = "sg_session"
CSRF_COOKIE = "sg_csrf"
# The exact time of the session's last request, signed and bound to the session (会话活动时间).
SEEN_COOKIE = "sg_seen"
# Paths used by programs rather than browsers: no anonymous CSRF cookie is issued there.
MACHINE_PREFIXES = ("/api/", "/open311/", "/healthz")


def client_addr(request: Request) -> str | None:
    """The client's address as the ASGI server saw it (use --proxy-headers behind a proxy)."""
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def is_machine_path(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES)


def set_session_cookie(response: Response, raw: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure when configured; ends with the browser."""
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=get_settings().secure_cookies)


def set_csrf_cookie(response: Response, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/")


def _seen_binding(raw_session: str) -> str:
    return hash_token(raw_session)[:24]


def seen_at(request: Request, raw_session: str) -> datetime | None:
    """The time of this browser's last request in this session, from its signed cookie."""
    value = unsign(request.cookies.get(SEEN_COOKIE))
    binding, _, stamp = (value or "").partition(":")
    if not stamp or binding != _seen_binding(raw_session):
        return None
    try:
        return datetime.fromtimestamp(int(stamp) / 1_000_000, tz=get_settings().tz)
    except (ValueError, OverflowError, OSError):
        return None


def set_seen_cookie(response: Response, raw_session: str, at: datetime) -> None:
    stamp = int(at.timestamp() * 1_000_000)
    response.set_cookie(SEEN_COOKIE, sign(f"{_seen_binding(raw_session)}:{stamp}"), httponly=True,
                        samesite="lax", secure=get_settings().secure_cookies, path="/")


def after_response(request: Request, action: Callable[[Response], None]) -> None:
    """Queue ``action`` to run on the response (keeps any action queued before)."""
    previous = getattr(request.state, "after_response", None)

    def run(response: Response) -> None:
        if previous is not None:
            previous(response)
        action(response)

    request.state.after_response = run


def _anonymous(request: Request, addr: str | None) -> tuple[Principal, str]:
    if is_machine_path(request.url.path):
        return Principal(client_addr=addr), ""
    token = request.cookies.get(CSRF_COOKIE)
    if not valid_anonymous_csrf(token):
        fresh = new_anonymous_csrf()
        after_response(request, lambda response: set_csrf_cookie(response, fresh))
        token = fresh
    assert token is not None
    return Principal(client_addr=addr), token


def resolve_principal(request: Request, session: Session) -> tuple[Principal, str]:
    """Return (principal, csrf_token) for this request.

    A bearer token wins over a cookie (and needs no CSRF token: browsers never send it by
    themselves). An unknown, expired or revoked credential leaves the request anonymous.
    """
    addr = client_addr(request)
    raw_bearer = bearer_token(request)
    if raw_bearer is not None:
        found = service.user_for_api_token(session, raw_bearer)
        if found is None:
            return Principal(client_addr=addr), ""
        user, token = found
        principal = service.principal_for(user, addr, "token", session=session)
        return _with_extra(principal, api_token_id=str(token.id)), ""
    raw_cookie = request.cookies.get(SESSION_COOKIE)
    if raw_cookie:
        web = service.touch_web_session(session, raw_cookie, addr, seen_at(request, raw_cookie))
        if web is not None:
            at = now()
            after_response(request, lambda response: set_seen_cookie(response, raw_cookie, at))
            user = session.get(User, web.user_id)
            assert user is not None
            principal = service.principal_for(user, addr, "session", session=session)
            return _with_extra(principal, web_session_id=str(web.id)), web.csrf_token
        after_response(request, clear_session_cookie)
    return _anonymous(request, addr)


def _with_extra(principal: Principal, **extra: str) -> Principal:
    principal.extra.update(extra)
    return principal
