"""The journey and the permission rules through the JSON API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartgov.auth.models import AuditEntry
from smartgov.cases.models import Case
from tests.cases.conftest import World
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f00f0004850180848a8c21"
    "0000000049454e44ae426082"
)


def token(client: TestClient, world: World, name: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": world.users[name].username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_anonymous_report_then_department_closes_then_citizen_tracks(
    client: TestClient, world: World
) -> None:
    lon, lat = world.point(1)
    response = client.post(
        "/api/v1/cases",
        json={
            "source": "portal",
            "category_code": "1107",
            "description": "夜间广场舞音响太吵",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13912345678",
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["grid_code"] == world.grids[1].code
    assert created["status"] == "handling" and created["department_name"] == "区城管执法局"

    handler = token(client, world, "handler_cg")
    queue = client.get("/api/v1/cases?queue=handle", headers=handler).json()
    assert [c["id"] for c in queue["items"]] == [created["id"]]
    assert (
        queue["items"][0]["reporter_phone"] == "139****5678"
        or queue["items"][0]["reporter_phone"] == "13912345678"
    )
    done = client.post(
        f"/api/v1/cases/{created['id']}/actions/report_back",
        headers=handler,
        json={"note": "已劝导，音量已降低", "version": queue["items"][0]["version"]},
    )
    assert done.status_code == 200, done.text

    public = client.get(f"/api/v1/track/{created['tracking_code']}").json()
    assert public["is_closed"] and public["result_note"] == "已劝导，音量已降低"
    assert "13912345678" not in str(public)
    actions = {
        a.action
        for a in world.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == str(created["id"]))
        )
    }
    assert {"case.intake", "case.report_back"} <= actions


def test_handler_of_another_department_cannot_see_or_act(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    created = client.post(
        "/api/v1/cases",
        json={
            "category_code": "1107",
            "description": "噪声扰民问题",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13900000000",
        },
    ).json()
    other = token(client, world, "handler")  # 环卫, not 城管
    assert client.get(f"/api/v1/cases/{created['id']}", headers=other).status_code == 404
    response = client.post(
        f"/api/v1/cases/{created['id']}/actions/report_back", headers=other, json={"note": "x"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"


def test_citizen_sees_only_own_reports(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    mine = token(client, world, "citizen")
    theirs = token(client, world, "citizen2")
    created = client.post(
        "/api/v1/cases",
        headers=mine,
        json={"category_code": "1101", "description": "垃圾没人清理", "lon": lon, "lat": lat},
    ).json()
    assert client.get(f"/api/v1/cases/{created['id']}", headers=mine).status_code == 200
    assert client.get(f"/api/v1/cases/{created['id']}", headers=theirs).status_code == 404
    assert [c["tracking_code"] for c in client.get("/api/v1/cases/mine", headers=mine).json()] == [
        created["tracking_code"]
    ]
    assert client.get("/api/v1/cases/mine", headers=theirs).json() == []
    assert client.get("/api/v1/cases", headers=mine).status_code == 403


def test_anonymous_sees_only_the_portal(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases/1").status_code == 401
    assert client.get("/api/v1/categories").status_code == 200


def test_staff_channels_need_staff(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/cases",
        json={"source": "hotline", "description": "热线来电", "reporter_phone": "13900000000"},
    )
    assert response.status_code == 403 and response.json()["code"] == "channel_forbidden"


def test_bad_input_gets_clear_errors(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/cases", json={"description": "x", "lon": 120.1})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed" and body["details"]
    response = client.post(
        "/api/v1/cases", json={"category_code": "9999", "description": "问题描述"}
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_category"
    response = client.post(
        "/api/v1/cases",
        json={"category_code": "1101", "description": "很远的地方", "lon": 116.4, "lat": 39.9},
    )
    assert response.status_code == 422 or response.status_code == 400
    assert response.json()["code"] == "outside_jurisdiction"


def test_photo_type_and_size_are_checked(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    headers = token(client, world, "citizen")
    created = client.post(
        "/api/v1/cases",
        headers=headers,
        json={"category_code": "1101", "description": "垃圾堆放", "lon": lon, "lat": lat},
    ).json()
    ok = client.post(
        f"/api/v1/cases/{created['id']}/photos",
        headers=headers,
        files={"file": ("a.png", PNG, "image/png")},
    )
    assert ok.status_code == 201, ok.text
    bad = client.post(
        f"/api/v1/cases/{created['id']}/photos",
        headers=headers,
        files={"file": ("a.png", b"<script>alert(1)</script>", "image/png")},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unsupported_file_type"


def test_invalid_action_answers_409(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    created = client.post(
        "/api/v1/cases",
        json={
            "category_code": "1101",
            "description": "垃圾堆放",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13900000000",
        },
    ).json()
    chief = token(client, world, "chief")
    response = client.post(f"/api/v1/cases/{created['id']}/actions/close", headers=chief, json={})
    assert response.status_code == 409
    assert response.json()["code"] == "action_not_allowed"
    assert "待核实" in response.json()["message"]


def test_street_office_sees_cases_of_its_street(client: TestClient, world: World) -> None:
    office = DepartmentFactory(code="JD1", name="测试街道办事处")
    clerk = UserFactory(roles=["handler"], department=office, areas=[world.street])
    world.session.commit()
    world.users["street"] = clerk
    lon, lat = world.point(3)
    body = {"category_code": "1402", "description": "占道经营", "lon": lon, "lat": lat,
            "reporter_phone": "13900000000"}
    created = client.post("/api/v1/cases", json=body).json()
    headers = token(client, world, "street")
    assert client.get(f"/api/v1/cases/{created['id']}", headers=headers).status_code == 200
    # seeing a case of its street is not taking part in it: no photos on another department's case
    refused = client.post(f"/api/v1/cases/{created['id']}/photos", headers=headers,
                          files={"file": ("a.png", PNG, "image/png")})
    assert refused.status_code == 403 and refused.json()["code"] == "attach_not_allowed"
    handler = token(client, world, "handler_cg")  # the department it was dispatched to
    ok = client.post(f"/api/v1/cases/{created['id']}/photos", headers=handler,
                     files={"file": ("a.png", PNG, "image/png")})
    assert ok.status_code == 201, ok.text


def test_api_case_read_with_unmasked_reporter_is_audited(client: TestClient, world: World) -> None:
    from sqlalchemy import select

    from smartgov.auth.models import AuditEntry

    lon, lat = world.point(0)
    created = client.post("/api/v1/cases", json={"category_code": "1101", "description": "垃圾堆放",
                                                  "lon": lon, "lat": lat,
                                                  "reporter_phone": "13900001234"}).json()
    body = client.get(f"/api/v1/cases/{created['id']}", headers=token(client, world, "operator")).json()
    assert body["reporter_phone"] == "13900001234"
    world.session.expire_all()
    lines = world.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "personal_data_viewed",
                                 AuditEntry.object_id == str(created["id"]))
    ).all()
    assert len(lines) == 1


def test_channels_are_tied_to_roles(client: TestClient, world: World) -> None:
    """Nobody but an operator answers-and-closes, nobody but an inspector fixes on the spot."""
    anonymous = client.post("/api/v1/cases", json={"description": "路灯坏了好几天", "answer": "已经解决",
                                                   "reporter_phone": "13900000000"})
    assert anonymous.status_code == 403 and anonymous.json()["code"] == "answer_not_allowed"
    handler = token(client, world, "handler")
    for body in ({"source": "superior", "description": "交办事项", "category_code": "1101"},
                 {"source": "inspector", "description": "小广告", "category_code": "1101",
                  "self_handled": True}):
        response = client.post("/api/v1/cases", headers=handler, json=body)
        assert response.status_code == 403 and response.json()["code"] == "channel_forbidden"
    assert world.session.scalar(select(func.count()).select_from(Case)) == 0


def test_citizen_cannot_read_the_internal_timeline(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    mine = token(client, world, "citizen")
    created = client.post("/api/v1/cases", headers=mine, json={
        "category_code": "1101", "description": "垃圾没人清理", "lon": lon, "lat": lat}).json()
    assert client.get(f"/api/v1/cases/{created['id']}/events", headers=mine).status_code == 403


def test_unknown_urgency_is_refused(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/cases", json={"description": "问题描述", "urgency": "特别特别紧急",
                                                  "reporter_phone": "13900000000"})
    assert response.status_code == 422


def test_case_lists_mask_the_reporter(client: TestClient, world: World) -> None:
    """A list reveals nobody (up to 200 numbers a call, unaudited); the case itself does, audited."""
    lon, lat = world.point(0)
    client.post("/api/v1/cases", json={"category_code": "1101", "description": "垃圾堆放", "lon": lon,
                                       "lat": lat, "reporter_phone": "13912345678"})
    body = client.get("/api/v1/cases?page_size=200", headers=token(client, world, "operator")).json()
    phones = {item["reporter_phone"] for item in body["items"]}
    assert phones == {"139****5678"}


def test_online_report_needs_a_phone_when_anonymous_and_a_place(client: TestClient, world: World) -> None:
    """The portal's rules hold for the JSON API too (they live in the service)."""
    lon, lat = world.point(0)
    no_phone = client.post("/api/v1/cases", json={"category_code": "1101", "description": "垃圾堆放",
                                                  "lon": lon, "lat": lat})
    assert no_phone.status_code == 422 and no_phone.json()["code"] == "phone_required"
    nowhere = client.post("/api/v1/cases", json={"category_code": "1101", "description": "垃圾堆放",
                                                 "reporter_phone": "13900000000"})
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "location_required"
