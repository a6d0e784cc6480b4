"""Login, logout, CSRF, idle timeout and the admin pages through the real app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smartgov.auth.middleware import CSRF_COOKIE, SESSION_COOKIE
from smartgov.auth.models import WebSession
from smartgov.auth.tokens import hash_token
from smartgov.db import now
from tests.auth.conftest import audit_rows, csrf_from, sms_code, web_login
from tests.factories import PASSWORD, AreaFactory, DepartmentFactory, UserFactory


def test_login_page_is_chinese_with_the_form(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login?next=/cases/12")
    assert response.status_code == 200
    html = response.text
    assert 'name="username"' in html and 'name="password"' in html and "登录</button>" in html
    assert 'name="next" value="/cases/12"' in html
    assert csrf_from(html)
    cookie = response.headers["set-cookie"]
    assert CSRF_COOKIE in cookie and "httponly" in cookie.lower()


def test_staff_login_redirects_to_workbench_and_sets_a_safe_cookie(client, session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["dispatcher"], username="paiqian")
    session.commit()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": "paiqian", "password": PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/workbench"
    cookie = response.headers["set-cookie"].lower()
    assert SESSION_COOKIE in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # settings.secure_cookies is off in tests
    raw = client.cookies.get(SESSION_COOKIE)
    stored = session.scalar(select(WebSession).where(WebSession.user_id == user.id))
    assert stored.token_hash == hash_token(raw) and stored.token_hash != raw
    page = client.get("/account")
    assert page.status_code == 200 and user.display_name in page.text


def test_secure_cookie_when_configured(client, session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from smartgov.config import reset_settings

    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    token = csrf_from(client.get("/login").text)
    monkeypatch.setenv("SMARTGOV_SECURE_COOKIES", "true")
    reset_settings()
    try:
        response = client.post("/login", data={"username": "zhang", "password": PASSWORD,
                                               "csrf_token": token}, follow_redirects=False)
    finally:
        monkeypatch.delenv("SMARTGOV_SECURE_COOKIES")
        reset_settings()
    assert "secure" in response.headers["set-cookie"].lower()


def test_citizen_login_goes_home_and_next_is_kept(client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["citizen"], username="13900001111")
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    status, location, _ = web_login(client, "13900001111")
    assert (status, location) == (303, "/")
    client.cookies.clear()
    status, location, _ = web_login(client, "zhang", next_path="/cases/12?tab=log")
    assert (status, location) == (303, "/cases/12?tab=log")


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                  "javascript:alert(1)", "/login", "http:/x"])
def test_next_never_leaves_the_site(client, session, evil) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    status, location, _ = web_login(client, "zhang", next_path=evil)
    assert (status, location) == (303, "/workbench")


def test_failed_login_shows_the_error_and_audits_the_address(client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": "zhang", "password": "Wrong-Pass1",
                                           "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert SESSION_COOKIE not in client.cookies
    client.post("/login", data={"username": "ghost", "password": "Wrong-Pass1",
                                "csrf_token": token})
    web_login(client, "zhang")
    rows = audit_rows(session, "login")
    assert [(r.actor_name, r.result, r.client_addr) for r in rows] == [
        ("zhang", "failure", "testclient"), ("ghost", "failure", "testclient"),
        ("zhang", "success", "testclient")]


def test_locked_account_page_says_until_when(client, session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"], username="zhang")
    user.failed_logins, user.locked_until = 5, now() + timedelta(minutes=15)
    session.commit()
    status, _, _ = web_login(client, "zhang")
    assert status == 423
    token = csrf_from(client.get("/login").text)
    html = client.post("/login", data={"username": "zhang", "password": PASSWORD,
                                       "csrf_token": token}).text
    assert "锁定" in html and f"{user.locked_until:%H:%M}" in html


def test_logout_ends_the_session(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    token = login("zhang")
    raw = client.cookies.get(SESSION_COOKIE)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    session.expire_all()
    web = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(raw)))
    assert web.ended_at is not None
    assert audit_rows(session, "logout")
    # The old cookie is worthless now.
    client.cookies.set(SESSION_COOKIE, raw)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_idle_session_times_out(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    login("zhang")
    assert client.get("/account").status_code == 200
    web = session.scalar(select(WebSession))
    web.last_seen_at = now() - timedelta(minutes=31)
    session.commit()
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/account")
    session.refresh(web)
    assert web.ended_at is not None
    assert audit_rows(session, "session_expired")


# ---------------------------------------------------------------- CSRF


def test_csrf_rejected_without_token_and_accepted_with_it(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    token = login("zhang")
    bad = client.post("/account/tokens", data={"name": "x"})
    assert bad.status_code == 403 and "安全校验失败" in bad.text
    wrong = client.post("/account/tokens", data={"name": "x", "csrf_token": "forged"})
    assert wrong.status_code == 403
    api = client.post("/api/v1/auth/tokens", json={"name": "x"})
    assert api.status_code == 403 and api.json()["code"] == "csrf_failed"
    ok = client.post("/account/tokens", data={"name": "表单", "csrf_token": token})
    assert ok.status_code == 200 and "只显示这一次" in ok.text
    ok_header = client.post("/api/v1/auth/tokens", json={"name": "头部"},
                            headers={"X-CSRF-Token": token})
    assert ok_header.status_code == 201


def test_anonymous_form_posts_need_the_double_submit_token(client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    no_token = client.post("/login", data={"username": "zhang", "password": PASSWORD},
                           follow_redirects=False)
    assert no_token.status_code == 403
    token = csrf_from(client.get("/login").text)
    # A token from another visitor (another cookie) is refused too.
    other = csrf_from(client.__class__(client.app).get("/login").text)
    assert other != token
    assert client.post("/login", data={"username": "zhang", "password": PASSWORD,
                                       "csrf_token": other}).status_code == 403
    assert client.post("/login", data={"username": "zhang", "password": PASSWORD,
                                       "csrf_token": token},
                       follow_redirects=False).status_code == 303


def test_csrf_token_is_bound_to_its_session(client, app, session, login) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    UserFactory(roles=["handler"], username="zhang")
    UserFactory(roles=["handler"], username="li")
    session.commit()
    token_zhang = login("zhang")
    with TestClient(app) as other:
        status, _, _ = web_login(other, "li")
        assert status == 303
        assert other.post("/account/tokens", data={"name": "x", "csrf_token": token_zhang}
                          ).status_code == 403


# ---------------------------------------------------------------- registration, account


def test_citizen_self_registration_logs_in(client, session) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/register").text)
    bad = client.post("/register", data={"display_name": "李四", "phone": "123",
                                         "password": "Citizen-Pass1", "password2": "x",
                                         "csrf_token": token})
    assert bad.status_code == 422 and "不一致" in bad.text
    client.post("/register/code", data={"display_name": "张三", "phone": "13900002222",
                                        "csrf_token": token})
    response = client.post("/register", data={
        "display_name": "张三", "phone": "13900002222", "password": "Citizen-Pass1",
        "code": sms_code(session, "13900002222"),
        "password2": "Citizen-Pass1", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    me = client.get("/api/v1/auth/me").json()
    assert me["username"] == "13900002222" and me["roles"] == ["citizen"] and not me["is_staff"]


def test_change_password_page(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    token = login("zhang")
    wrong = client.post("/account/password", data={
        "old_password": "nope", "new_password": "New-Passw0rd!", "new_password2": "New-Passw0rd!",
        "csrf_token": token})
    assert wrong.status_code == 422 and "原密码不正确" in wrong.text
    ok = client.post("/account/password", data={
        "old_password": PASSWORD, "new_password": "New-Passw0rd!",
        "new_password2": "New-Passw0rd!", "csrf_token": token})
    assert ok.status_code == 200 and "密码已修改" in ok.text
    assert client.get("/account").status_code == 200  # this session survives
    client.cookies.clear()
    assert web_login(client, "zhang", "New-Passw0rd!")[0] == 303


# ---------------------------------------------------------------- audit page (三权分立)


def test_audit_page_for_audit_admin_only(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["system_admin"], username="sysadmin")
    UserFactory(roles=["security_admin"], username="secadmin")
    UserFactory(roles=["audit_admin"], username="auditor")
    session.commit()
    assert client.get("/admin/audit", follow_redirects=False).status_code == 303  # → login
    for name in ("sysadmin", "secadmin"):
        client.cookies.clear()
        login(name)
        response = client.get("/admin/audit")
        assert response.status_code == 403, name
    client.cookies.clear()
    login("auditor")
    page = client.get("/admin/audit?actor=sysadmin&action=login")
    assert page.status_code == 200
    assert "审计日志" in page.text and "sysadmin" in page.text
    denied = [r for r in audit_rows(session, "audit_viewed") if r.result == "denied"]
    assert {r.actor_name for r in denied} == {"sysadmin", "secadmin"}
    viewed = [r for r in audit_rows(session, "audit_viewed") if r.result == "success"]
    assert viewed[-1].actor_name == "auditor" and "sysadmin" in viewed[-1].detail


def test_audit_page_filters_and_pages(client, session, login) -> None:  # type: ignore[no-untyped-def]
    from smartgov.auth import audit

    UserFactory(roles=["audit_admin"], username="auditor")
    for i in range(60):
        audit.record(session, action="case.intake", actor_name=f"op{i % 3}", object_type="case",
                     object_id=i, client_addr=f"10.0.{i % 2}.1")
    session.commit()
    login("auditor")
    page = client.get("/admin/audit?action=case.&client_addr=10.0.1.")
    assert page.status_code == 200
    assert 'data-testid="audit-total">30<' in page.text
    first = client.get("/admin/audit?action=case.intake")
    assert 'data-testid="audit-total">60<' in first.text and "下一页" in first.text
    second = client.get("/admin/audit?action=case.intake&page=2")
    assert "上一页" in second.text
    today = now().date().isoformat()
    assert 'audit-total">60<' in client.get(
        f"/admin/audit?action=case.intake&date_from={today}&date_to={today}").text
    assert 'audit-total">0<' in client.get(
        "/admin/audit?action=case.intake&date_to=2000-01-01").text
    assert "日期格式" in client.get("/admin/audit?date_from=yesterday").text


# ---------------------------------------------------------------- user admin


def test_users_page_roles(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["system_admin"], username="sysadmin")
    UserFactory(roles=["security_admin"], username="secadmin")
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    login("zhang")
    assert client.get("/admin/users").status_code == 403
    client.cookies.clear()
    login("secadmin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "解锁" not in page.text and "新建用户" not in page.text


def test_system_admin_creates_a_user_from_the_page(client, session, login) -> None:  # type: ignore[no-untyped-def]
    from smartgov.auth.models import User

    UserFactory(roles=["system_admin"], username="sysadmin")
    dept = DepartmentFactory(code="CG", name="城管局")
    grid = AreaFactory(code="G-1")
    session.commit()
    token = login("sysadmin")
    page = client.get("/admin/users")
    assert "新建用户" in page.text
    data = {"username": "xunchayuan", "display_name": "巡查员", "password": "Strong-Pass1",
            "roles": ["inspector"], "department_id": str(dept.id), "area_codes": "G-1",
            "is_staff": "1", "phone": "13812345678", "csrf_token": token}
    response = client.post("/admin/users", data=data, follow_redirects=False)
    assert response.status_code == 303
    user = session.scalar(select(User).where(User.username == "xunchayuan"))
    assert user.role_names == {"inspector"} and user.area_ids == {grid.id}
    listing = client.get("/admin/users").text
    assert "138****5678" in listing and "13812345678" not in listing  # masked for admins
    again = client.post("/admin/users", data=data)
    assert again.status_code == 409 and "已存在" in again.text
    two_admins = client.post("/admin/users", data={**data, "username": "boss",
                                                   "roles": ["security_admin", "audit_admin"]})
    assert two_admins.status_code == 422 and "三权分立" in two_admins.text


def test_security_admin_unlocks_from_the_page(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["security_admin"], username="secadmin")
    locked = UserFactory(roles=["handler"], username="zhang")
    locked.failed_logins, locked.locked_until = 5, now() + timedelta(minutes=15)
    session.commit()
    token = login("secadmin")
    page = client.get("/admin/users")
    assert "锁定至" in page.text and "解锁" in page.text
    response = client.post(f"/admin/users/{locked.id}/unlock", data={"csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    session.refresh(locked)
    assert locked.locked_until is None and locked.failed_logins == 0
    client.cookies.clear()
    assert web_login(client, "zhang")[0] == 303


def test_system_admin_cannot_unlock(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["system_admin"], username="sysadmin")
    locked = UserFactory(roles=["handler"], username="zhang")
    locked.locked_until = now() + timedelta(minutes=15)
    session.commit()
    token = login("sysadmin")
    assert client.post(f"/admin/users/{locked.id}/unlock",
                       data={"csrf_token": token}).status_code == 403
