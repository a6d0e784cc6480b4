"""Duplicate suggestions (并单建议): same class nearby and recent, or near-identical text in the grid."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from smartgov.cases.duplicates import distance_m, find_duplicates
from smartgov.cases.models import Case
from smartgov.text import NEAR_IDENTICAL_JACCARD, SIMHASH_PREFILTER, hamming, jaccard, simhash
from tests.cases.conftest import World
from tests.factories import PASSWORD, report

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 2, 9, 0, tzinfo=SH)


def put(world: World, code: str, lon: float, lat: float, text: str, at: datetime = AT) -> Case:
    return report(world, None, grid=None, who=None, at=at, run_jobs=False, category_code=code, lon=lon,
                  lat=lat, description=text, reporter_phone="13900000000")


def found(world: World, case: Case) -> dict[int, str]:
    return {other.id: why for other, why in find_duplicates(world.session, case)}


def test_simhash_preselects_and_bigrams_decide() -> None:
    text = "小区东门口垃圾堆放三天无人清理"
    assert hamming(simhash(text), simhash(text + "了")) <= SIMHASH_PREFILTER
    assert hamming(simhash(text), simhash("路灯不亮，晚上很黑，请修理")) > SIMHASH_PREFILTER
    assert jaccard(text, text + "了") >= NEAR_IDENTICAL_JACCARD
    assert jaccard(text, "小区门口路灯坏了") < NEAR_IDENTICAL_JACCARD


def test_same_class_within_radius_and_window(world: World) -> None:
    lon, lat = world.point(0)
    first = put(world, "1101", lon, lat, "东门口垃圾堆放")
    near = put(world, "1101", lon + 0.0002, lat, "门口有一堆垃圾", AT + timedelta(hours=5))
    assert distance_m(lon, lat, lon + 0.0002, lat) < 50
    assert found(world, near) == {first.id: "nearby"}


def test_not_duplicates_when_far_other_class_or_old(world: World) -> None:
    lon, lat = world.point(0)
    first = put(world, "1101", lon, lat, "东门口垃圾堆放")
    far = put(world, "1101", lon + 0.001, lat, "西门也有垃圾", AT + timedelta(hours=1))  # ~96 m
    other = put(world, "1402", lon, lat, "门口有人摆摊", AT + timedelta(hours=1))
    late = put(world, "1101", lon, lat, "又有人倒垃圾", AT + timedelta(hours=80))
    assert first.id not in found(world, far)
    assert first.id not in found(world, other)
    assert first.id not in found(world, late)


def test_near_identical_text_in_the_same_grid(world: World) -> None:
    lon, lat = world.point(0)
    first = put(world, "1101", lon, lat, "小区东门口垃圾堆放三天无人清理")
    again = put(world, "1107", lon + 0.0008, lat + 0.0008, "小区东门口垃圾堆放三天无人清理了",
                AT + timedelta(hours=2))
    assert found(world, again) == {first.id: "same_text"}


def test_closed_cases_are_not_suggested(world: World) -> None:
    lon, lat = world.point(0)
    first = put(world, "1101", lon, lat, "东门口垃圾堆放")
    first.status = "closed"
    world.session.commit()
    near = put(world, "1101", lon, lat, "东门口垃圾堆放", AT + timedelta(hours=1))
    assert found(world, near) == {}


def test_intake_answer_lists_duplicates_to_the_operator_only(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    body = {"category_code": "1101", "description": "东门口垃圾堆放", "lon": lon, "lat": lat,
            "reporter_phone": "13900000000"}
    first = client.post("/api/v1/cases", json=body).json()
    assert client.post("/api/v1/cases", json=body).json()["duplicates"] == []  # not to the public
    token = client.post("/api/v1/auth/token", data={"username": world.users["operator"].username,
                                                    "password": PASSWORD}).json()["access_token"]
    second = client.post("/api/v1/cases", json={**body, "source": "hotline"},
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert first["id"] in [d["id"] for d in second["duplicates"]]
