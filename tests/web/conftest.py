"""Fixtures of the web-layer tests: the small district of the case tests and logged-in clients."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.auth.conftest import web_login
from tests.cases.conftest import World, build_world
from tests.factories import PASSWORD


@pytest.fixture()
def world(session: Session) -> World:
    return build_world(session)


def bearer(client: TestClient, world: World, name: str) -> dict[str, str]:
    """The Authorization header of a named user's access token (OAuth2 password flow)."""
    response = client.post("/api/v1/auth/token",
                           data={"username": world.users[name].username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def log_in(client: TestClient, world: World, name: str) -> str:
    """Log a named user in through the login form; the session's CSRF token."""
    status, _, token = web_login(client, world.users[name].username)
    assert status == 303
    return token
