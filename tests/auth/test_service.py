from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smartgov.auth import service
from smartgov.auth.models import ApiToken, User, WebSession
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.config import reset_settings
from smartgov.db import now
from smartgov.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.auth.conftest import audit_rows, sms_code
from tests.factories import PASSWORD, AreaFactory, DepartmentFactory, UserFactory

# ---------------------------------------------------------------- create_user


def test_create_user_hashes_password_and_audits(session) -> None:  # type: ignore[no-untyped-def]
    dept = DepartmentFactory()
    user = service.create_user(session, username="wang.wu", password="Strong-Pass1",
                               display_name="王五", roles=[Role.HANDLER, "approver"],
                               department_id=dept.id, phone="13812345678")
    session.commit()
    assert user.role_names == {"handler", "approver"}
    assert user.password_hash.startswith("$argon2")
    assert user.is_staff and user.department_id == dept.id
    row = audit_rows(session, "user_created")[-1]
    assert row.object_id == str(user.id) and row.actor_name == "cli"
    assert "Strong-Pass1" not in (row.detail or "")


def test_create_user_duplicate_username_is_a_clear_conflict(session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="li.si")
    with pytest.raises(Conflict) as err:
        service.create_user(session, username="Li.Si", password="Strong-Pass1",
                            display_name="李四", roles=["handler"])
    assert err.value.code == "username_taken"
    assert "已存在" in err.value.message


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"password": "weak"}, "weak_password"),
    ({"password": "zhaoliu-Pass1"}, "weak_password"),  # contains the user name
    ({"roles": []}, "no_role"),
    ({"roles": ["mayor"]}, "unknown_role"),
    ({"roles": ["citizen"]}, "role_mismatch"),
    ({"roles": ["system_admin", "audit_admin"]}, "separation_of_duties"),
    ({"department_id": 99999}, "unknown_department"),
    ({"area_ids": [99999]}, "unknown_area"),
    ({"username": "x"}, "invalid_username"),
])
def test_create_user_refuses_bad_input(session, kwargs, code) -> None:  # type: ignore[no-untyped-def]
    args = {"username": "zhaoliu", "password": "Strong-Pass1", "display_name": "赵六",
            "roles": ["handler"], **kwargs}
    with pytest.raises(ValidationFailed) as err:
        service.create_user(session, **args)
    assert err.value.code == code


def test_only_system_admin_creates_users_on_the_web(session) -> None:  # type: ignore[no-untyped-def]
    security = UserFactory(roles=["security_admin"])
    p = service.principal_for(security)
    with pytest.raises(Forbidden):
        service.create_user(session, username="newbie", password="Strong-Pass1",
                            display_name="新人", roles=["handler"], actor=p)
    admin = service.principal_for(UserFactory(roles=["system_admin"]), "10.1.1.1")
    user = service.create_user(session, username="newbie", password="Strong-Pass1",
                               display_name="新人", roles=["handler"], actor=admin)
    row = audit_rows(session, "user_created")[-1]
    assert row.actor_id == admin.user_id and row.client_addr == "10.1.1.1"
    assert row.object_id == str(user.id)


def test_register_citizen(session) -> None:  # type: ignore[no-untyped-def]
    service.send_registration_code(session, "13900001111")
    user = service.register_citizen(session, phone="139 0000 1111", password="Citizen-Pass1",
                                    code=sms_code(session, "13900001111"),
                                    display_name="张三", client_addr="1.2.3.4")
    session.commit()
    assert (user.username, user.phone, user.is_staff) == ("13900001111", "13900001111", False)
    assert user.role_names == {"citizen"}
    assert audit_rows(session, "user_registered")[-1].client_addr == "1.2.3.4"
    with pytest.raises(Conflict):
        service.register_citizen(session, phone="13900001111", password="Citizen-Pass1",
                                 code="000000", display_name="张三")
    with pytest.raises(ValidationFailed):
        service.register_citizen(session, phone="12345", password="Citizen-Pass1",
                                 code="000000", display_name="李四")


# ---------------------------------------------------------------- authenticate / lockout


def test_authenticate_success_is_audited_with_address(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    session.commit()
    assert service.authenticate(session, "zhang", PASSWORD, "10.2.3.4").id == user.id
    row = audit_rows(session, "login")[-1]
    assert (row.result, row.actor_id, row.client_addr) == ("success", user.id, "10.2.3.4")


def test_wrong_password_and_unknown_user_fail_alike_and_are_audited(session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    with pytest.raises(service.LoginFailed) as wrong:
        service.authenticate(session, "zhang", "Wrong-Pass1", "10.0.0.1")
    with pytest.raises(service.LoginFailed) as unknown:
        service.authenticate(session, "nobody", "Wrong-Pass1", "10.0.0.2")
    assert wrong.value.message == unknown.value.message
    assert wrong.value.status_code == 401
    rows = audit_rows(session, "login")
    assert [(r.actor_name, r.result, r.client_addr) for r in rows] == [
        ("zhang", "failure", "10.0.0.1"), ("nobody", "failure", "10.0.0.2")]
    assert "unknown_user" in (rows[1].detail or "")


def test_lockout_after_five_failures_then_unlock_after_fifteen_minutes(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    session.commit()
    for _ in range(4):
        with pytest.raises(service.LoginFailed):
            service.authenticate(session, "zhang", "Wrong-Pass1", "10.0.0.1")
    with pytest.raises(service.AccountLocked) as locked:
        service.authenticate(session, "zhang", "Wrong-Pass1", "10.0.0.1")
    session.refresh(user)
    assert user.failed_logins == 5
    assert user.locked_until is not None
    minutes = (user.locked_until - now()).total_seconds() / 60
    assert 14 < minutes <= 15
    assert f"{user.locked_until:%H:%M}" in locked.value.message
    assert len(audit_rows(session, "account_locked")) == 1
    # While locked even the right password is refused, saying until when.
    with pytest.raises(service.AccountLocked) as still:
        service.authenticate(session, "zhang", PASSWORD, "10.0.0.1")
    assert "锁定" in still.value.message and f"{user.locked_until:%H:%M}" in still.value.message
    # Fifteen minutes later (moved back in time rather than slept) the right password works.
    user.locked_until = now() - timedelta(seconds=1)
    session.commit()
    assert service.authenticate(session, "zhang", PASSWORD, "10.0.0.1").id == user.id
    session.refresh(user)
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_success_resets_the_failure_count(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    session.commit()
    for _ in range(4):
        with pytest.raises(service.LoginFailed):
            service.authenticate(session, "zhang", "Wrong-Pass1", None)
    service.authenticate(session, "zhang", PASSWORD, None)
    session.refresh(user)
    assert user.failed_logins == 0
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, "zhang", "Wrong-Pass1", None)


def test_lockout_is_configurable(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SMARTGOV_LOCKOUT_ATTEMPTS", "2")
    monkeypatch.setenv("SMARTGOV_LOCKOUT_MINUTES", "60")
    reset_settings()
    try:
        user = UserFactory(roles=["handler"], username="zhang")
        session.commit()
        with pytest.raises(service.LoginFailed):
            service.authenticate(session, "zhang", "Wrong-Pass1", None)
        with pytest.raises(service.AccountLocked):
            service.authenticate(session, "zhang", "Wrong-Pass1", None)
        session.refresh(user)
        assert 59 < (user.locked_until - now()).total_seconds() / 60 <= 60
    finally:
        monkeypatch.delenv("SMARTGOV_LOCKOUT_ATTEMPTS")
        monkeypatch.delenv("SMARTGOV_LOCKOUT_MINUTES")
        reset_settings()


def test_security_admin_unlocks(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    user.failed_logins, user.locked_until = 5, now() + timedelta(minutes=10)
    session.commit()
    with pytest.raises(Forbidden):
        service.unlock_user(session, user, actor=service.principal_for(
            UserFactory(roles=["system_admin"])))
    service.unlock_user(session, user, actor=service.principal_for(
        UserFactory(roles=["security_admin"])))
    session.commit()
    assert service.authenticate(session, "zhang", PASSWORD, None).id == user.id
    assert audit_rows(session, "account_unlocked")


def test_disabled_account_cannot_log_in(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    user.is_active = False
    session.commit()
    with pytest.raises(service.AccountDisabled):
        service.authenticate(session, "zhang", PASSWORD, None)


# ---------------------------------------------------------------- sessions


def test_web_session_stores_only_a_hash(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"])
    web, raw = service.start_web_session(session, user, "10.0.0.1")
    session.commit()
    assert web.token_hash != raw and raw not in web.token_hash
    assert service.touch_web_session(session, raw, None).id == web.id
    service.end_web_session(session, raw, client_addr="10.0.0.1")
    session.commit()
    assert service.touch_web_session(session, raw, None) is None
    assert audit_rows(session, "logout")[-1].actor_id == user.id


def test_idle_session_is_ended(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"])
    web, raw = service.start_web_session(session, user, None)
    web.last_seen_at = now() - timedelta(minutes=31)
    session.commit()
    assert service.touch_web_session(session, raw, "10.0.0.1") is None
    session.commit()
    session.refresh(web)
    assert web.ended_at is not None
    assert audit_rows(session, "session_expired")[-1].actor_id == user.id


def test_last_seen_is_written_at_most_once_a_minute(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"])
    web, raw = service.start_web_session(session, user, None)
    recent = now() - timedelta(seconds=20)
    web.last_seen_at = recent
    session.commit()
    service.touch_web_session(session, raw, None)
    assert not session.dirty
    web.last_seen_at = now() - timedelta(minutes=5)
    session.commit()
    service.touch_web_session(session, raw, None)
    session.commit()
    session.refresh(web)
    assert now() - web.last_seen_at < timedelta(minutes=1)


def test_change_password_ends_other_sessions(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    mine, _ = service.start_web_session(session, user, None)
    other, _ = service.start_web_session(session, user, None)
    with pytest.raises(ValidationFailed):
        service.change_password(session, user, "Wrong-Pass1", "New-Passw0rd!")
    service.change_password(session, user, PASSWORD, "New-Passw0rd!", keep_session_id=mine.id)
    session.commit()
    session.refresh(mine)
    session.refresh(other)
    assert mine.ended_at is None and other.ended_at is not None
    assert service.authenticate(session, "zhang", "New-Passw0rd!", None)
    results = [r.result for r in audit_rows(session, "password_changed")]
    assert results == ["failure", "success"]


# ---------------------------------------------------------------- API tokens


def test_personal_tokens_create_list_revoke(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"])
    p = service.principal_for(user)
    issued = service.create_api_token(session, p, "对接")
    session.commit()
    assert issued.raw.startswith("sg_") and issued.token.token_hash != issued.raw
    assert session.scalar(select(ApiToken.id).where(ApiToken.token_hash == issued.raw)) is None
    assert [t.name for t in service.list_api_tokens(session, p)] == ["对接"]
    assert service.user_for_api_token(session, issued.raw)[0].id == user.id
    other = service.principal_for(UserFactory(roles=["handler"]))
    with pytest.raises(NotFound):
        service.revoke_api_token(session, other, issued.token.id)
    service.revoke_api_token(session, p, issued.token.id)
    session.commit()
    assert service.user_for_api_token(session, issued.raw) is None
    assert service.list_api_tokens(session, p) == []
    assert [r.action for r in audit_rows(session) if r.object_type == "api_token"] == [
        "token_created", "token_revoked"]


def test_expired_token_and_disabled_account_are_refused(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"])
    issued = service.issue_access_token(session, user, None)
    session.commit()
    assert service.user_for_api_token(session, issued.raw) is not None
    user.is_active = False  # a lockout no longer ends tokens (test_login_security.py)
    session.commit()
    assert service.user_for_api_token(session, issued.raw) is None
    user.is_active = True
    issued.token.expires_at = now() - timedelta(seconds=1)
    session.commit()
    assert service.user_for_api_token(session, issued.raw) is None


# ---------------------------------------------------------------- principal


def test_area_scope_is_expanded_to_descendants(session) -> None:  # type: ignore[no-untyped-def]
    district = AreaFactory(level="district")
    street = AreaFactory(level="street", parent=district)
    other_street = AreaFactory(level="street", parent=district)
    communities = [AreaFactory(level="community", parent=street) for _ in range(2)]
    grids = [AreaFactory(parent=c) for c in communities for _ in range(3)]
    foreign_grid = AreaFactory(parent=AreaFactory(level="community", parent=other_street))
    office = DepartmentFactory()
    clerk = UserFactory(roles=["handler"], department=office, areas=[street])
    session.commit()
    p = service.principal_for(clerk, "10.0.0.1", "session")
    expected = {street.id, *(c.id for c in communities), *(g.id for g in grids)}
    assert p.area_ids == frozenset(expected)
    assert p.in_area(grids[4].id) and not p.in_area(foreign_grid.id) and not p.in_area(None)
    inspector = UserFactory(roles=["inspector"], areas=[grids[0], grids[1]])
    assert service.principal_for(inspector).area_ids == {grids[0].id, grids[1].id}


def test_area_expansion_takes_one_query(session, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    street = AreaFactory(level="street")
    community = AreaFactory(level="community", parent=street)
    for _ in range(20):
        AreaFactory(parent=community)
    session.commit()
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        ids = service.expand_areas(session, [street.id])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(ids) == 22
    assert len([s for s in statements if "area" in s.lower()]) == 1


def test_citizen_and_staff_principals(session) -> None:  # type: ignore[no-untyped-def]
    dept = DepartmentFactory()
    grid = AreaFactory()
    citizen = UserFactory(roles=["citizen"], areas=[grid])
    handler = UserFactory(roles=["handler"], department=dept)
    dispatcher = UserFactory(roles=["dispatcher"])
    pc = service.principal_for(citizen, "1.1.1.1", "session")
    assert not pc.is_staff and pc.is_public and pc.roles == {"citizen"}
    assert pc.area_ids == frozenset()  # citizens have no area scope
    assert not pc.can_see_department(dept.id) and pc.owns(citizen.id)
    ph = service.principal_for(handler)
    assert ph.is_staff and not ph.is_public and ph.department_id == dept.id
    assert ph.can_see_department(dept.id) and not ph.can_see_department(dept.id + 1)
    assert not ph.sees_all_departments and ph.in_area(grid.id)
    pd = service.principal_for(dispatcher)
    assert pd.sees_all_departments and pd.can_see_department(dept.id)
    assert pd.sees_personal_data and not service.principal_for(
        UserFactory(roles=["leader"])).sees_personal_data


def test_principal_for_needs_a_session() -> None:
    with pytest.raises(ValueError):
        service.principal_for(User(username="x", display_name="x", password_hash="x"))


def test_principal_require_any() -> None:
    from smartgov.errors import NotAuthenticated

    with pytest.raises(NotAuthenticated):
        Principal().require_any(Role.HANDLER)
    p = Principal(user=User(username="x", display_name="x", password_hash="x", is_staff=True),
                  roles=frozenset({"handler"}))
    p.require_any(Role.HANDLER, Role.DISPATCHER)
    with pytest.raises(Forbidden):
        p.require_any(Role.DISPATCHER)


def test_web_session_rows_keep_no_raw_secret(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"])
    _, raw = service.start_web_session(session, user, None)
    session.commit()
    stored = session.scalars(select(WebSession.token_hash)).all()
    assert raw not in stored
