"""The JSON API: OAuth2 password flow, bearer tokens, personal tokens, /me, audit search."""

from __future__ import annotations

from smartgov.auth.middleware import SESSION_COOKIE
from tests.auth.conftest import audit_rows
from tests.factories import PASSWORD, AreaFactory, DepartmentFactory, UserFactory


def _token(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_password_flow_issues_a_bearer_token(client, session) -> None:  # type: ignore[no-untyped-def]
    dept = DepartmentFactory()
    street = AreaFactory(level="street")
    grid = AreaFactory(parent=AreaFactory(level="community", parent=street))
    UserFactory(roles=["handler"], username="zhang", department=dept, areas=[street])
    session.commit()
    response = _token(client, "zhang")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = client.get("/api/v1/auth/me",
                    headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    data = me.json()
    assert data["username"] == "zhang" and data["via"] == "token"
    assert data["department_id"] == dept.id and grid.id in data["area_ids"]
    assert SESSION_COOKIE not in client.cookies
    row = audit_rows(session, "login")[-1]
    assert row.result == "success" and "token" in row.detail and row.client_addr == "testclient"


def test_password_flow_has_the_same_lockout(client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    for _ in range(4):
        bad = _token(client, "zhang", "Wrong-Pass1")
        assert bad.status_code == 401 and bad.json()["code"] == "login_failed"
    locked = _token(client, "zhang", "Wrong-Pass1")
    assert locked.status_code == 423 and locked.json()["code"] == "account_locked"
    assert _token(client, "zhang").json()["code"] == "account_locked"
    assert len([r for r in audit_rows(session, "login") if r.result == "failure"]) == 6


def test_anonymous_and_bad_tokens_get_401(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/auth/me").status_code == 401
    bad = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer sg_nope"})
    assert bad.status_code == 401 and bad.json()["code"] == "not_authenticated"


def test_bearer_requests_need_no_csrf_and_personal_tokens_revoke(client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    access = _token(client, "zhang").json()["access_token"]
    auth = {"Authorization": f"Bearer {access}"}
    created = client.post("/api/v1/auth/tokens", json={"name": "数据对接", "expires_days": 30},
                          headers=auth)
    assert created.status_code == 201
    personal = created.json()
    assert personal["token"].startswith("sg_") and personal["expires_at"]
    listed = client.get("/api/v1/auth/tokens", headers=auth).json()
    assert [t["name"] for t in listed] == ["数据对接"]
    assert "token" not in listed[0]
    mine = {"Authorization": f"Bearer {personal['token']}"}
    assert client.get("/api/v1/auth/me", headers=mine).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{personal['id']}", headers=auth).status_code == 204
    assert client.get("/api/v1/auth/me", headers=mine).status_code == 401
    assert client.delete(f"/api/v1/auth/tokens/{personal['id']}", headers=auth).status_code == 404
    assert client.get("/api/v1/auth/tokens", headers=auth).json() == []


def test_token_input_is_validated(client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    auth = {"Authorization": f"Bearer {_token(client, 'zhang').json()['access_token']}"}
    bad = client.post("/api/v1/auth/tokens", json={"name": "", "expires_days": 9999}, headers=auth)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


def test_audit_api_for_audit_admin_only(client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["system_admin"], username="sysadmin")
    UserFactory(roles=["audit_admin"], username="auditor")
    session.commit()
    _token(client, "nobody", "Wrong-Pass1")
    sys_auth = {"Authorization": f"Bearer {_token(client, 'sysadmin').json()['access_token']}"}
    denied = client.get("/api/v1/audit", headers=sys_auth)
    assert denied.status_code == 403
    auth = {"Authorization": f"Bearer {_token(client, 'auditor').json()['access_token']}"}
    page = client.get("/api/v1/audit?action=login&result=failure", headers=auth)
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 1 and body["items"][0]["actor_name"] == "nobody"
    assert body["items"][0]["client_addr"] == "testclient"
    viewed = audit_rows(session, "audit_viewed")
    assert [(r.actor_name, r.result) for r in viewed] == [("sysadmin", "denied"),
                                                          ("auditor", "success")]


def test_openapi_declares_the_bearer_scheme(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["type"] == "oauth2"
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert "/api/v1/auth/me" in spec["paths"]
    assert "/login" not in spec["paths"]
