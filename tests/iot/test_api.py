"""The 物联感知 JSON API: HTTP ingest with the device token, roles on every call, rules as JSON."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartgov.iot.models import Alarm, Telemetry
from tests.factories import PASSWORD
from tests.iot.conftest import IotWorld


def login(client: TestClient, iot: IotWorld, name: str) -> dict[str, str]:
    user = iot.world.users[name]
    response = client.post("/api/v1/auth/token", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_http_ingest_with_the_device_token(iot: IotWorld, client: TestClient) -> None:
    body: Any = [
        {"ts": 1764468000000, "values": {"tilt": 2, "open": 0}},
        {"ts": 1764468001000, "values": {"tilt": 500}},
    ]
    response = client.post("/api/v1/iot/devices/cover-token/telemetry", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 2 and response.json()["rejected"] == 1
    assert "倾角 超出有效范围" in response.json()["rejections"][0]
    assert iot.session.scalar(select(func.count()).select_from(Telemetry)) == 2


def test_http_ingest_refusals_are_clear(iot: IotWorld, client: TestClient) -> None:
    wrong = client.post("/api/v1/iot/devices/no-such-token/telemetry", json={"tilt": 1})
    assert wrong.status_code == 404 and wrong.json()["code"] == "unknown_device_token"
    bad = client.post("/api/v1/iot/devices/cover-token/telemetry", json={"ts": "soon", "values": {"tilt": 1}})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_telemetry"
    short = client.post("/api/v1/iot/devices/x/telemetry", json={"tilt": 1})
    assert short.status_code == 422


def test_alarm_api_by_role(iot: IotWorld, client: TestClient) -> None:
    client.post("/api/v1/iot/devices/cover-token/telemetry", json={"open": 1})
    assert client.get("/api/v1/iot/alarms").status_code == 401
    citizen = login(client, iot, "citizen")
    assert client.get("/api/v1/iot/alarms", headers=citizen).status_code == 403
    chief = login(client, iot, "chief")
    [alarm] = client.get("/api/v1/iot/alarms?active=true", headers=chief).json()
    assert alarm["status"] == "ACTIVE_UNACK" and alarm["case_id"] is not None
    other = login(client, iot, "handler")  # another department's handler
    assert client.get("/api/v1/iot/alarms", headers=other).json() == []
    acked = client.post(f"/api/v1/iot/alarms/{alarm['id']}/actions/ack", json={}, headers=chief)
    assert acked.status_code == 200 and acked.json()["status"] == "ACTIVE_ACK"
    again = client.post(f"/api/v1/iot/alarms/{alarm['id']}/actions/ack", json={}, headers=chief)
    assert again.status_code == 409
    assert iot.session.scalar(select(func.count()).select_from(Alarm)) == 1


def test_rules_export_and_import_round_trip(iot: IotWorld, client: TestClient) -> None:
    admin_user = iot.world.users.setdefault("admin", None)  # type: ignore[arg-type]
    assert admin_user is None
    from tests.factories import UserFactory, using

    with using(iot.session):
        iot.world.users["admin"] = UserFactory(roles=["system_admin"])
    iot.session.commit()
    admin = login(client, iot, "admin")
    rules = client.get("/api/v1/iot/rules", headers=admin).json()
    tilt = next(r for r in rules if r["profile"] == "manhole_cover" and r["code"] == "tilt")
    assert (tilt["kind"], tilt["op"], tilt["value"], tilt["duration_s"]) == ("duration", ">", 10, 2)
    tilt["duration_s"] = 3
    assert client.post("/api/v1/iot/rules", json=[tilt], headers=admin).json() == {"saved": 1}
    again = client.get("/api/v1/iot/rules", headers=admin).json()
    assert (
        next(r for r in again if r["code"] == "tilt" and r["profile"] == "manhole_cover")["duration_s"] == 3
    )
    bad = client.post("/api/v1/iot/rules", json=[{**tilt, "op": "=>"}], headers=admin)
    assert bad.status_code == 422 and "第 1 条规则有误" in bad.json()["message"]
    chief = login(client, iot, "chief")
    assert client.post("/api/v1/iot/rules", json=[tilt], headers=chief).status_code == 403
