"""物联感知 pages: registry with map, device page, alarm console (live rows, actions), rules editor."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov.iot.models import Alarm, Device, Rule
from tests.auth.conftest import csrf_from
from tests.factories import PASSWORD, UserFactory, using
from tests.iot.conftest import IotWorld

ENGLISH = re.compile(
    r">[^<]*\b(ACTIVE_UNACK|ACTIVE_ACK|CLEARED|CRITICAL|MAJOR|MINOR|duration|threshold)\b[^<]*<"
)


def login(client: TestClient, iot: IotWorld, name: str) -> None:
    if name not in iot.world.users:
        with using(iot.session):
            iot.world.users[name] = UserFactory(roles=[name])
        iot.session.commit()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": iot.world.users[name].username,
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_registry_lists_devices_with_their_state_for_staff_only(iot: IotWorld, client: TestClient) -> None:
    client.post("/api/v1/iot/devices/cover-token/telemetry", json={"open": 1})
    assert client.get("/iot", follow_redirects=False).status_code == 303  # to the login page
    login(client, iot, "chief")
    page = client.get("/iot")
    assert page.status_code == 200
    assert "文三路井盖1号" in page.text and "1 条" in page.text and "井盖电子标签" in page.text
    assert not ENGLISH.search(page.text)
    found = client.get("/iot?q=路灯")
    assert "文三路路灯1号" in found.text and "文三路井盖1号" not in found.text


def test_csv_export_and_import_round_trip(iot: IotWorld, client: TestClient) -> None:
    login(client, iot, "system_admin")
    exported = client.get("/iot/devices.csv")
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "设备编码,设备名称,设备模型,经度,纬度,地址,权属部门"
    header = "设备编码,设备名称,设备模型,经度,纬度,地址,权属部门\n"
    new = header + "LJ-0001,文三路垃圾箱,waste_container,,,文三路 3 号,SZ\n"
    page = client.get("/iot")
    done = client.post(
        "/iot/devices/import",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("d.csv", new.encode(), "text/csv")},
    )
    assert done.status_code == 200 and "LJ-0001" in done.text
    assert iot.session.scalar(select(Device.name).where(Device.code == "LJ-0001")) == "文三路垃圾箱"
    bad = "设备编码,设备名称,设备模型,经度,纬度,地址,权属部门\nLJ-0002,x,no_such,,,,\n"
    refused = client.post(
        "/iot/devices/import",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("d.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422 and "第 2 行" in refused.text and "未知的设备模型" in refused.text


def test_alarm_console_rows_and_acknowledge(iot: IotWorld, client: TestClient) -> None:
    client.post("/api/v1/iot/devices/cover-token/telemetry", json={"open": 1})
    login(client, iot, "chief")
    page = client.get("/iot/alarms?active=true")
    assert page.status_code == 200 and "井盖开启" in page.text and "告警中·未确认" in page.text
    assert "已转案件" in page.text and 'hx-trigger="every 5s"' in page.text
    rows = client.get("/iot/alarms?active=true", headers={"HX-Request": "true"})
    assert "<html" not in rows.text and "井盖开启" in rows.text
    alarm = iot.session.scalars(select(Alarm)).one()
    done = client.post(
        f"/iot/alarms/{alarm.id}/ack",
        data={"csrf_token": csrf_from(page.text), "back": "/iot/alarms"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    detail = client.get(f"/iot/alarms/{alarm.id}")
    assert "告警中·已确认" in detail.text and "产生告警" in detail.text and "转为案件" in detail.text
    assert '<option value="open" selected>' in detail.text  # the chart opens on the alarm's key
    assert not ENGLISH.search(detail.text)


def test_device_page_shows_latest_values(iot: IotWorld, client: TestClient) -> None:
    client.post("/api/v1/iot/devices/lamp-token/telemetry", json={"power": 88.5, "lux": 12})
    login(client, iot, "chief")
    page = client.get(f"/iot/devices/{iot.lamp.id}")
    assert page.status_code == 200 and "88.5 W" in page.text and "照度" in page.text
    series = client.get(f"/api/v1/iot/devices/{iot.lamp.id}/series?key=power&hours=1").json()
    assert [p[1] for p in series["points"]] == [88.5]


def test_rules_editor_saves_a_rule_and_only_for_the_administrator(iot: IotWorld, client: TestClient) -> None:
    login(client, iot, "chief")
    assert client.get("/iot/rules").status_code == 403
    client.cookies.clear()
    login(client, iot, "system_admin")
    page = client.get("/iot/rules")
    assert page.status_code == 200 and "倾角大于10° 持续超过 2 秒" in page.text
    saved = client.post(
        "/iot/rules",
        data={
            "csrf_token": csrf_from(page.text),
            "profile": "waste_container",
            "code": "nearly",
            "name": "垃圾箱将满",
            "kind": "threshold",
            "key": "fillingLevel",
            "op": ">=",
            "value": "0.8",
            "alarm_type": "bin_nearly",
            "severity": "WARNING",
            "enabled": "true",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    rule = iot.session.scalars(select(Rule).where(Rule.code == "nearly")).one()
    assert (rule.kind, rule.op, rule.value, rule.auto_clear) == ("threshold", ">=", 0.8, False)
    bad = client.post(
        "/iot/rules",
        data={
            "csrf_token": csrf_from(page.text),
            "profile": "waste_container",
            "code": "x",
            "name": "x",
            "kind": "duration",
            "key": "fillingLevel",
            "op": ">",
            "value": "0.8",
            "alarm_type": "x",
        },
    )
    assert bad.status_code == 422 and "持续时长" in bad.text


def test_air_station_page_shows_aqi_and_primary_pollutant(iot: IotWorld, client: TestClient) -> None:
    from tests.factories import DeviceFactory

    with using(iot.session):
        DeviceFactory(
            code="KQ-0001", name="文三路空气站", profile=iot.profiles["air_quality"], token="air-token-1"
        )
    iot.session.commit()
    body = {"pm25": 80, "pm10": 100, "so2": 10, "no2": 50, "co": 1, "o3": 100}
    assert client.post("/api/v1/iot/devices/air-token-1/telemetry", json=body).json()["stored"] == 6
    login(client, iot, "chief")
    device = iot.session.scalars(select(Device).where(Device.code == "KQ-0001")).one()
    page = client.get(f"/iot/devices/{device.id}")
    # PM2.5 80 → 107 (hourly report uses the 24-hour particulate limits), the largest sub-index
    assert "<strong>107</strong>" in page.text and "三级 轻度污染" in page.text
    assert "首要污染物：细颗粒物(PM2.5)" in page.text
