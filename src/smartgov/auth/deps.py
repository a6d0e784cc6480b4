"""FastAPI dependencies that resolve the principal (session cookie or bearer token)."""

from __future__ import annotations

from fastapi import Depends, Request

from smartgov.auth.principal import ANONYMOUS, Principal
from smartgov.auth.roles import Role


def current_principal(request: Request) -> Principal:
    """The principal resolved by the auth middleware for this request (anonymous when none)."""
    return getattr(request.state, "principal", ANONYMOUS)


def require_roles(*roles: str | Role):
    """Dependency factory: the principal must hold one of ``roles``."""

    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        principal.require_any(*roles)
        return principal

    return dependency


def require_staff(principal: Principal = Depends(current_principal)) -> Principal:
    from smartgov.errors import Forbidden, NotAuthenticated

    if principal.is_anonymous:
        raise NotAuthenticated("请先登录 (login required)")
    if not principal.is_staff:
        raise Forbidden("仅限工作人员 (staff only)")
    return principal
