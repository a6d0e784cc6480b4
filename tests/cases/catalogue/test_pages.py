"""Administration pages and the command map API: bad input answers 422, not 500."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov.cases.models import DispatchRule
from smartgov.config import get_settings
from tests.auth.conftest import csrf_from
from tests.cases.conftest import World
from tests.cases.test_pages import login
from tests.factories import UserFactory, report


def test_dispatch_rule_with_bad_numbers_shows_the_form_again(client: TestClient, world: World) -> None:
    world.users["admin"] = UserFactory(roles=["system_admin"])
    world.session.commit()
    login(client, world, "admin")
    page = client.get("/admin/dispatch-rules").text
    base = {"csrf_token": csrf_from(page), "category_code": "1101", "department_code": "SZ"}
    for extra, message in (({"area_id": "全区"}, "区域应为整数"), ({"priority": "1.5"}, "顺序应为整数"),
                           ({"area_id": "99999"}, "区域不存在"),
                           ({"category_code": "9999"}, "类别或部门不存在")):
        response = client.post("/admin/dispatch-rules", data={**base, **extra})
        assert response.status_code == 422 and message in response.text
        assert 'value="{}"'.format(extra.get("category_code", "1101")) in response.text
    assert world.session.scalars(select(DispatchRule)).all() == []
    response = client.post("/admin/dispatch-rules", data={**base, "area_id": str(world.street.id),
                                                          "priority": "5"}, follow_redirects=False)
    assert response.status_code == 303
    rule = world.session.scalar(select(DispatchRule))
    assert (rule.area_id, rule.priority) == (world.street.id, 5)


def test_cases_by_grid_reads_naive_times_in_the_city_zone(client: TestClient, world: World) -> None:
    at = datetime(2026, 3, 2, 0, 30, tzinfo=get_settings().tz)  # 2026-03-01 16:30 UTC
    report(world, "garbage", at=at, run_jobs=False, description="垃圾", reporter_phone="13900000000")
    login(client, world, "chief")
    grid = world.grids[0].code
    assert client.get("/api/v1/cases-by-grid", params={"start": "2026-03-02T00:00:00"}).json() == {grid: 1}
    assert client.get("/api/v1/cases-by-grid", params={"end": "2026-03-02T00:00:00"}).json() == {}
    assert client.get("/api/v1/cases-by-grid", params={"start": "2026-03-02"}).json() == {grid: 1}
    bad = client.get("/api/v1/cases-by-grid", params={"start": "昨天"})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_datetime"
    assert "时间格式无效" in bad.json()["message"]


def test_cases_by_grid_counts_the_end_day_like_the_workbench(client: TestClient, world: World) -> None:
    """A date range typed as days includes both days, on the map as on the workbench and KPI."""
    at = datetime(2026, 3, 2, 15, 0, tzinfo=get_settings().tz)
    report(world, "garbage", at=at, run_jobs=False, description="垃圾", reporter_phone="13900000000")
    login(client, world, "chief")
    grid = world.grids[0].code
    both = {"start": "2026-03-02", "end": "2026-03-02"}
    assert client.get("/api/v1/cases-by-grid", params=both).json() == {grid: 1}
    assert client.get("/api/v1/cases-by-grid", params={"end": "2026-03-01"}).json() == {}
