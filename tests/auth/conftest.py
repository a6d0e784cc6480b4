"""Fixtures of the auth tests: an app with the auth domain, logged-in clients, CSRF helpers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.models import AuditEntry
from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def web_login(client: TestClient, username: str, password: str = PASSWORD,
              next_path: str = "") -> tuple[int, str, str]:
    """Log in through the form; returns (status, location, csrf token of the new session)."""
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password,
                                           "next": next_path, "csrf_token": token},
                           follow_redirects=False)
    location = response.headers.get("location", "")
    if response.status_code != 303:
        return response.status_code, location, ""
    page = client.get("/account")
    return response.status_code, location, csrf_from(page.text)


@pytest.fixture()
def login(client: TestClient) -> Callable[..., str]:
    """login(username, password=PASSWORD) → the session's CSRF token (asserts success)."""

    def do(username: str, password: str = PASSWORD) -> str:
        status, _, token = web_login(client, username, password)
        assert status == 303
        return token

    return do


def audit_rows(session: Session, action: str | None = None) -> list[AuditEntry]:
    session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(session.scalars(stmt))
