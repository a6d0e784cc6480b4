"""The edge of every request: blank query values are no filter, NUL characters are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartgov.cases.models import Case
from smartgov.web.edge import without_blank_values
from tests.cases.conftest import World
from tests.web.conftest import bearer, log_in


@pytest.mark.parametrize(("given", "kept"), [
    (b"start=&end=", b""),
    (b"q=+&queue=all", b"queue=all"),
    (b"q=%20%20&page=2", b"page=2"),
    (b"flag&x=1", b"x=1"),
    (b"a=1&&b=2", b"a=1&b=2"),
    (b"name=%E5%B9%BF%E5%9C%BA", b"name=%E5%B9%BF%E5%9C%BA"),
    (b"zero=0", b"zero=0"),
])
def test_blank_query_values_are_dropped(given: bytes, kept: bytes) -> None:
    assert without_blank_values(given) == kept


def test_workbench_filter_with_empty_fields(client: TestClient, world: World) -> None:
    log_in(client, world, "dispatcher")
    response = client.get("/workbench?queue=all&q=&category=&department=&source=&start=&end=&page=")
    assert response.status_code == 200
    assert "工作台" in response.text


def test_kpi_page_and_api_with_empty_period(client: TestClient, world: World) -> None:
    log_in(client, world, "supervisor")
    assert client.get("/kpi?subject=&start=&end=").status_code == 200
    answer = client.get("/api/v1/kpi/department?start=%20&end=%20")
    assert answer.status_code == 200, answer.text
    assert answer.json() == client.get("/api/v1/kpi/department").json()


def test_command_map_api_with_empty_filters(client: TestClient, world: World) -> None:
    headers = bearer(client, world, "chief")
    response = client.get("/api/v1/cases-by-grid?measure=count&category=&status=&department=&start=%20&end=",
                          headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == client.get("/api/v1/cases-by-grid", headers=headers).json()


def test_open311_list_and_org_areas_with_empty_values(client: TestClient, world: World) -> None:
    response = client.get("/open311/v2/requests.json"
                          "?service_code=&start_date=&end_date=&status=&page=&page_size=")
    assert response.status_code == 200, response.text
    assert response.json() == []
    areas = client.get("/api/v1/org/areas?level=&parent=&offset=&limit=")
    assert areas.status_code == 200
    assert len(areas.json()) == 7  # district, street, community, 4 grids: no filter at all


def test_a_required_parameter_left_blank_is_still_required(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/workclock/due?start=&limit=3wd", headers=bearer(client, world, "chief"))
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "query.start"


NUL_REQUESTS = [
    ("GET", "/api/v1/track/ab%00cd", {}),
    ("GET", "/track?code=ab%00cd", {}),
    ("GET", "/open311/v2/requests.json?service_code=%00", {}),
    ("GET", "/api/v1/org/areas?parent_code=a%00", {}),
    ("POST", "/api/v1/cases", {"json": {"description": "路灯\u0000不亮", "reporter_phone": "13912345678"}}),
    ("POST", "/api/v1/cases", {"json": {"description": "路灯不亮", "title": ["x", {"k\u0000": 1}]}}),
    ("POST", "/api/v1/auth/token", {"data": {"username": "chief\x00", "password": "x"}}),
    ("POST", "/open311/v2/requests.json", {"data": {"service_code": "1101", "description": "a\x00b"}}),
]


@pytest.mark.parametrize(("method", "url", "body"), NUL_REQUESTS)
def test_nul_in_any_text_is_refused_in_chinese(client: TestClient, world: World, method: str, url: str,
                                               body: dict) -> None:
    cases_before = world.session.scalar(select(func.count()).select_from(Case))
    response = client.request(method, url, **body)
    assert response.status_code in (400, 422), response.text
    assert "空字符" in response.text
    assert world.session.scalar(select(func.count()).select_from(Case)) == cases_before


def test_nul_in_the_login_form_is_refused(client: TestClient, world: World) -> None:
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "a\x00b", "password": "x", "csrf_token": token})
    assert response.status_code == 422
    assert "空字符" in response.text


def test_an_escaped_backslash_u0000_is_text_not_nul(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    response = client.post("/api/v1/cases", json={"description": "路径 C:\\u0000 不是空字符",
                                                   "lon": lon, "lat": lat, "reporter_phone": "13912345678"})
    assert response.status_code == 201, response.text
