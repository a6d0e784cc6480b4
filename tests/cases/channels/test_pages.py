"""Staff intake screens: bad input, the shared form conversion, audited caller history and photos."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov.cases.models import Case
from smartgov.cases.pages import intake_from_form
from smartgov.cases.schemas import Source
from smartgov.errors import ValidationFailed
from tests.auth.conftest import audit_rows, csrf_from
from tests.cases.conftest import World
from tests.cases.test_pages import login


def test_hotline_refuses_a_position_that_is_not_a_number(client: TestClient, world: World) -> None:
    login(client, world, "operator")
    page = client.get("/hotline").text
    response = client.post(
        "/hotline",
        data={"csrf_token": csrf_from(page), "reporter_phone": "13800002222", "request_type": "complaint",
              "description": "楼下夜市太吵", "lon": "120.17", "lat": "北纬30"},
    )
    assert response.status_code == 422
    assert "纬度应为数字" in response.text and "楼下夜市太吵" in response.text
    assert world.session.scalar(select(Case)) is None


def test_one_form_conversion_for_portal_and_staff_screens() -> None:
    form = {"description": " 路灯不亮 ", "lon": "120.1", "lat": "30.2", "urgency": "特急",
            "direct_close": "on", "answer": "已答复", "self_handled": "on"}
    portal = intake_from_form(form, Source.PORTAL)  # a citizen cannot set staff fields
    assert (portal.description, portal.lon, portal.urgency, portal.answer, portal.self_handled) == (
        "路灯不亮", 120.1, "一般", None, False)
    hotline = intake_from_form(form, Source.HOTLINE)
    assert (hotline.urgency, hotline.answer, hotline.self_handled) == ("特急", "已答复", True)
    with pytest.raises(ValidationFailed, match="经度应为数字"):
        intake_from_form({**form, "lon": "inf"}, Source.INSPECTOR)


def test_caller_history_is_an_audited_view(client: TestClient, world: World) -> None:
    from tests.factories import report

    case = report(world, "garbage")  # reporter phone 13912345678
    login(client, world, "operator")
    assert client.get("/hotline/history", params={"phone": "13900000000"}).status_code == 200
    assert audit_rows(world.session, "personal_data_viewed") == []  # nothing found, nothing shown
    assert case.case_no in client.get("/hotline/history", params={"phone": "13912345678"}).text
    lines = audit_rows(world.session, "personal_data_viewed")
    assert [(a.object_type, a.object_id) for a in lines] == [("case", str(case.id))]

