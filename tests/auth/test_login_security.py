"""Lockout under parallel guesses, lockout leaving existing sessions alone, the exact idle timeout."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from smartgov.auth import middleware, service
from smartgov.db import make_engine, now
from tests.auth.conftest import audit_rows
from tests.factories import PASSWORD, UserFactory

PARALLEL = 40


@pytest.fixture()
def wide_client(engine):  # type: ignore[no-untyped-def]
    """A client of an app whose pool serves every parallel request (two connections each)."""
    from smartgov.app import create_app

    wide = make_engine(engine.url.render_as_string(hide_password=False),
                       pool_size=2 * PARALLEL, max_overflow=0)
    with TestClient(create_app(wide)) as c:
        yield c
    wide.dispose()


def test_parallel_wrong_passwords_are_counted_truthfully(wide_client, session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="victim")
    session.commit()

    def guess(_: int) -> int:
        return wide_client.post("/api/v1/auth/token",
                                data={"username": "victim", "password": "Wrong-Pass1"}).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = Counter(pool.map(guess, range(PARALLEL)))
    # Lockout after 5: four answered 'wrong password', the fifth locks, every other one is refused.
    assert answers == {401: 4, 423: PARALLEL - 4}
    session.refresh(user)
    assert user.failed_logins == 5
    reasons = Counter(json.loads(r.detail)["reason"] for r in audit_rows(session, "login"))
    assert reasons == {"wrong_password": 5, "locked": PARALLEL - 5}
    assert len(audit_rows(session, "account_locked")) == 1


def test_an_ended_lock_starts_the_count_again(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    user.failed_logins, user.locked_until = 5, now() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, "zhang", "Wrong-Pass1", None)
    session.refresh(user)
    assert (user.failed_logins, user.locked_until) == (1, None)


def test_a_lockout_leaves_existing_sessions_and_tokens_working(client, session, login) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="victim")
    session.commit()
    login("victim")
    issued = service.issue_access_token(session, user, None)
    session.commit()
    for _ in range(5):  # strangers guessing
        with pytest.raises((service.LoginFailed, service.AccountLocked)):
            service.authenticate(session, "victim", "Wrong-Pass1", "203.0.113.9")
    assert service.is_locked(session.get(type(user), user.id))
    assert client.get("/account", follow_redirects=False).status_code == 200
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {issued.raw}"})
    assert me.status_code == 200 and me.json()["username"] == "victim"
    # New password logins stay refused, even with the right password.
    with pytest.raises(service.AccountLocked):
        service.authenticate(session, "victim", PASSWORD, None)


@pytest.mark.parametrize(("after_last_request", "alive"), [
    (timedelta(minutes=30), True),
    (timedelta(minutes=30, seconds=1), False),
])
def test_idle_timeout_runs_from_the_last_request_exactly(client, session, login, clock,
                                                         after_last_request, alive) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    login("zhang")  # logs in and opens /account at the same moment
    clock.at += timedelta(seconds=50)  # within the minute: last_seen_at is not written
    assert client.get("/account", follow_redirects=False).status_code == 200
    clock.at += after_last_request
    response = client.get("/account", follow_redirects=False)
    assert (response.status_code == 200) is alive
    if not alive:
        assert audit_rows(session, "session_expired")


def test_a_forged_or_foreign_last_seen_is_ignored(client, session, login, clock) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    login("zhang")
    clock.at += timedelta(minutes=31)
    client.cookies.set(middleware.SEEN_COOKIE, "garbage.signature")
    assert client.get("/account", follow_redirects=False).status_code == 303
