"""Open311 with the demo catalogue's attributes: service definitions to read, answers on POST."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.cases.catalogue.service import CATEGORY_ATTRIBUTES, load_demo_catalogue
from smartgov.cases.models import Case
from smartgov.workflow.models import TimelineEvent
from tests.cases.conftest import World
from tests.cases.open311.test_views import BASE, Validate, api_key, errors_of, post, validate

__all__ = ["validate"]  # the schema fixture, shared with test_views


def test_demo_services_with_attributes_have_metadata_and_a_valid_definition(
    client: TestClient, session: Session, validate: Validate
) -> None:
    load_demo_catalogue(session)
    session.commit()
    services = client.get(f"{BASE}/services.json").json()
    validate("services.json", services)
    with_metadata = {s["service_code"] for s in services if s["metadata"]}
    assert with_metadata == set(CATEGORY_ATTRIBUTES)
    for code in sorted(with_metadata):
        definition = client.get(f"{BASE}/services/{code}.json").json()
        validate("service-definition.json", definition)
        assert [a["code"] for a in definition["attributes"]] == [a["code"] for a in CATEGORY_ATTRIBUTES[code]]
    cover = client.get(f"{BASE}/services/0101.json").json()["attributes"][0]
    assert cover["description"] == "井盖类型" and cover["required"] is True
    assert [v["name"] for v in cover["values"]] == ["雨水", "污水", "电力", "通信", "燃气", "供水", "不清楚"]


@pytest.fixture()
def garbage_with_attributes(world: World) -> World:
    world.cats["garbage"].attributes = CATEGORY_ATTRIBUTES["1101"]
    world.session.commit()
    return world


def _post(client: TestClient, world: World, key: str, **attributes: str | list[str]) -> object:
    lon, lat = world.point(1)
    return post(client, key, service_code="1101", lat=lat, long=lon, description="路边堆了垃圾",
                **{f"attribute[{k}]" if not k.endswith("[]") else f"attribute[{k[:-2]}][]": v
                   for k, v in attributes.items()})


def test_post_keeps_the_answers_with_the_case(client: TestClient, garbage_with_attributes: World) -> None:
    world = garbage_with_attributes
    _, key = api_key(world)
    ok = _post(client, world, key, amount="cart", **{"kind[]": ["household", "renovation"]})
    assert ok.status_code == 200, ok.text
    case = world.session.scalar(select(Case))
    assert case is not None and "垃圾量：较多（约一车）" in case.description
    collect = world.session.scalar(select(TimelineEvent).where(TimelineEvent.subject_id == case.id,
                                                               TimelineEvent.action == "collect"))
    assert collect is not None and collect.data["attributes"] == [
        {"code": "amount", "label": "垃圾量", "values": ["cart"], "shown": "较多（约一车）"},
        {"code": "kind", "label": "垃圾种类", "values": ["household", "renovation"],
         "shown": "生活垃圾、装修垃圾"},
    ]


def test_post_refuses_bad_answers_with_a_chinese_reason(client: TestClient,
                                                        garbage_with_attributes: World) -> None:
    world = garbage_with_attributes
    _, key = api_key(world)
    [missing] = errors_of(_post(client, world, key), 400)
    assert "请填写「垃圾量」" in missing["description"]
    [bad] = errors_of(_post(client, world, key, amount="huge"), 400)
    assert "「垃圾量」的取值无效" in bad["description"]
    [many] = errors_of(_post(client, world, key, amount=["small", "large"]), 400)
    assert "只能填写一项" in many["description"]
    assert world.session.scalar(select(Case)) is None  # nothing half-stored
