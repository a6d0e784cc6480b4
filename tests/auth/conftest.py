"""Fixtures of the auth tests: an app with the auth domain, logged-in clients, CSRF helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.models import AuditEntry
from smartgov.inbox.models import OutboxMessage
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


SMS_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def sms_code(session: Session, phone: str) -> str:
    """The code in the newest SMS queued for ``phone`` (read from the outbox, as the owner would)."""
    session.expire_all()
    message = session.scalar(select(OutboxMessage).where(
        OutboxMessage.channel == "sms", OutboxMessage.recipient == phone)
        .order_by(OutboxMessage.id.desc()).limit(1))
    assert message is not None, f"no SMS to {phone}"
    match = SMS_CODE_RE.search(message.body)
    assert match, message.body
    return match.group(1)


class Clock:
    """A clock a test moves by hand (``clock.at += timedelta(...)``)."""

    def __init__(self) -> None:
        from smartgov.db import now

        self.at = now()

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time of login, sessions and SMS codes, moved by the test."""
    from smartgov.auth import codes, middleware, service

    fake = Clock()
    for module in (service, middleware, codes):
        monkeypatch.setattr(module, "now", fake)
    return fake
