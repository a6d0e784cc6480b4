"""附加信息 on the citizen's report form: fields of the chosen class, required ones required,
answers checked by the intake, kept with the case and shown on its page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov.cases.catalogue.service import CATEGORY_ATTRIBUTES
from smartgov.cases.models import Case
from tests.auth.conftest import csrf_from
from tests.cases.conftest import World
from tests.cases.test_pages import login


@pytest.fixture()
def garbage_with_attributes(world: World) -> World:
    world.cats["garbage"].attributes = CATEGORY_ATTRIBUTES["1101"]
    world.session.commit()
    return world


def _report(client: TestClient, world: World, **fields: str) -> object:
    page = client.get("/report").text
    lon, lat = world.point(0)
    return client.post("/report", data={"csrf_token": csrf_from(page), "category_code": "1101",
                                        "description": "路边堆了一大堆垃圾", "lon": lon, "lat": lat,
                                        "reporter_phone": "13900001111", **fields},
                       follow_redirects=False)


def test_the_form_loads_the_fields_of_the_chosen_class(client: TestClient,
                                                       garbage_with_attributes: World) -> None:
    page = client.get("/report").text
    assert 'hx-get="/report/attributes"' in page and 'change from:#category_code' in page
    fields = client.get("/report/attributes", params={"category_code": "1101"}).text
    assert '<select name="attribute[amount]" id="attr-amount" required' in fields
    assert "较多（约一车）" in fields and "垃圾量" in fields
    assert '<select name="attribute[kind]" id="attr-kind" multiple  data-testid' in fields
    assert "垃圾种类（可选）" in fields
    for code in ("1402", "", "9999"):  # a class without attributes, none chosen, unknown
        assert "attribute[" not in client.get("/report/attributes", params={"category_code": code}).text


def test_fields_show_what_was_already_given(client: TestClient, garbage_with_attributes: World) -> None:
    fields = client.get("/report/attributes",
                        params={"category_code": "1101", "attribute[amount]": "cart"}).text
    assert '<option value="cart" selected>' in fields and '<option value="small" >' in fields


def test_missing_required_answer_is_refused_and_nothing_is_lost(client: TestClient,
                                                                 garbage_with_attributes: World) -> None:
    world = garbage_with_attributes
    response = _report(client, world, **{"attribute[kind]": "bulky"})
    assert response.status_code == 422
    assert "请填写「垃圾量」" in response.text and "路边堆了一大堆垃圾" in response.text
    assert """hx-vals='{"attribute[kind]": "bulky"}'""" in response.text  # handed back to the fields
    bad = _report(client, world, **{"attribute[amount]": "huge"})
    assert bad.status_code == 422 and "「垃圾量」的取值无效" in bad.text
    assert world.session.scalar(select(Case)) is None


def test_answers_are_kept_and_shown_on_the_case_page(client: TestClient,
                                                     garbage_with_attributes: World) -> None:
    world = garbage_with_attributes
    response = _report(client, world, **{"attribute[amount]": "large", "attribute[kind]": "bulky"})
    assert response.status_code == 303, getattr(response, "text", "")
    case = world.session.scalar(select(Case))
    assert case is not None and case.description == "路边堆了一大堆垃圾"
    login(client, world, "chief")
    page = client.get(f"/cases/{case.id}").text
    assert "<th>垃圾量</th><td data-testid=\"case-attribute\">大量（多于一车）</td>" in page
    assert "<th>垃圾种类</th><td data-testid=\"case-attribute\">大件垃圾</td>" in page
