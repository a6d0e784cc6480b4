"""verify_csrf on a router like the cases pages: urlencoded, multipart with a file, JSON, bearer."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.testclient import TestClient

from smartgov.auth.deps import verify_csrf
from tests.auth.conftest import csrf_from
from tests.factories import UserFactory

probe = APIRouter(dependencies=[Depends(verify_csrf)])


@probe.post("/probe/report")
async def report(title: str = Form(...), photo: UploadFile = File(...)) -> dict[str, object]:
    return {"title": title, "size": len(await photo.read())}


@probe.post("/probe/raw")
async def raw(request: Request) -> dict[str, object]:
    form = await request.form()  # read again after verify_csrf parsed it
    return {"title": form.get("title")}


@probe.get("/probe/form")
def form_page() -> dict[str, str]:
    return {}


@pytest.fixture()
def probe_client(app) -> TestClient:  # type: ignore[no-untyped-def]
    app.include_router(probe)
    with TestClient(app) as c:
        yield c


def test_anonymous_multipart_with_file(probe_client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(probe_client.get("/login").text)
    files = {"photo": ("a.jpg", b"\xff\xd8" + b"x" * 5000, "image/jpeg")}
    ok = probe_client.post("/probe/report", data={"title": "井盖缺失", "csrf_token": token},
                           files=files)
    assert ok.status_code == 200 and ok.json() == {"title": "井盖缺失", "size": 5002}
    bad = probe_client.post("/probe/report", data={"title": "井盖缺失"}, files=files)
    assert bad.status_code == 403 and "安全校验失败" in bad.text


def test_endpoint_can_read_the_form_after_the_check(probe_client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(probe_client.get("/login").text)
    ok = probe_client.post("/probe/raw", data={"title": "路灯不亮", "csrf_token": token})
    assert ok.json() == {"title": "路灯不亮"}
    header = probe_client.post("/probe/raw", data={"title": "路灯"},
                               headers={"X-CSRF-Token": token})
    assert header.json() == {"title": "路灯"}


def test_json_with_session_cookie_needs_the_header(probe_client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    from tests.auth.conftest import web_login

    _, _, token = web_login(probe_client, "zhang")
    assert probe_client.post("/probe/raw", json={"title": "x"}).status_code == 403
    assert probe_client.post("/probe/raw", data={"title": "x", "csrf_token": token}
                             ).status_code == 200


def test_bearer_requests_are_exempt(probe_client, session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    access = probe_client.post("/api/v1/auth/token", data={
        "username": "zhang", "password": "Test-Passw0rd"}).json()["access_token"]
    probe_client.cookies.clear()
    ok = probe_client.post("/probe/raw", data={"title": "x"},
                           headers={"Authorization": f"Bearer {access}"})
    assert ok.status_code == 200


def test_safe_methods_are_never_checked(probe_client) -> None:  # type: ignore[no-untyped-def]
    assert probe_client.get("/probe/form").status_code == 200
