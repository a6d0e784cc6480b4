"""Resolves the principal of each request from its session cookie or bearer token."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from smartgov.auth.principal import ANONYMOUS, Principal


def resolve_principal(request: Request, session: Session) -> tuple[Principal, str]:
    """Return (principal, csrf_token) for this request. Stub: replaced by the auth module."""
    return ANONYMOUS, ""
