"""The exchange through the JSON API: grant scoping with a consumer key, answers, log, verify-log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from smartgov.cli import app as cli
from smartgov.exchange.models import LogEntry
from tests.exchange.conftest import ELDER, XWorld
from tests.factories import PASSWORD


def token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_request_answer_and_read_with_a_key_returns_only_granted_fields(
    client: TestClient, xworld: XWorld
) -> None:
    civil, police = token(client, "civil"), token(client, "police")
    body = {
        "resource_id": xworld.resource.id,
        "purpose": "独居老人关爱",
        "legal_basis": "法定职责",
        "fields": ["name", "phone"],
        "plain_fields": ["name"],
        "duration_days": 90,
    }
    created = client.post("/api/v1/exchange/requests", json=body, headers=civil)
    assert created.status_code == 201, created.text
    assert created.json()["status_label"] == "待答复"
    todo = client.get("/api/v1/exchange/requests?role=todo", headers=police).json()
    assert [r["id"] for r in todo] == [created.json()["id"]]
    refused = client.post(
        f"/api/v1/exchange/requests/{created.json()['id']}/actions/approve", json={}, headers=civil
    )
    assert refused.status_code == 403
    approved = client.post(
        f"/api/v1/exchange/requests/{created.json()['id']}/actions/approve", json={}, headers=police
    )
    assert approved.json()["status"] == "approved"
    key = client.post("/api/v1/exchange/keys", json={"name": "民政系统"}, headers=civil).json()["key"]
    data = client.get("/api/v1/exchange/resources/RK-DJLR/records", headers={"X-Exchange-Key": key}).json()
    assert data["records"] == [{"name": "王芳", "phone": "138****5678"}]
    one = client.get(
        f"/api/v1/exchange/resources/RK-DJLR/records?key={ELDER}", headers={"X-Exchange-Key": key}
    ).json()
    assert one["records"] == [{"name": "王芳", "phone": "138****5678"}]
    assert "id_number" not in str(one["fields"])
    bad = client.get("/api/v1/exchange/resources/RK-DJLR/records", headers={"X-Exchange-Key": "sgx_wrong"})
    assert bad.status_code == 401
    log = client.get("/api/v1/exchange/log", headers=civil).json()
    assert [e["channel"] for e in log["items"]] == ["api", "api"]
    assert log["items"][0]["record_keys"] == "110***********002X"  # the grant withheld the ID number
    probe = client.get("/api/v1/exchange/log", params={"record_key": ELDER}, headers=civil).json()
    assert probe["total"] == 2  # a department cannot ask the log whether a person was read
    auditor = token(client, "auditor")
    audited = client.get("/api/v1/exchange/log", params={"record_key": ELDER}, headers=auditor)
    assert ELDER in audited.json()["items"][0]["record_keys"] and audited.json()["total"] == 2


def test_a_department_without_grant_gets_403_in_chinese(client: TestClient, xworld: XWorld) -> None:
    response = client.get("/api/v1/exchange/resources/RK-DJLR/records", headers=token(client, "civil"))
    assert response.status_code == 403
    assert response.json() == {"code": "no_grant", "message": "本部门未获该资源的共享授权 (no grant)"}


def test_bad_request_input_is_422(client: TestClient, xworld: XWorld) -> None:
    body = {
        "resource_id": xworld.resource.id,
        "purpose": "",
        "legal_basis": "x",
        "fields": [],
        "duration_days": 0,
    }
    response = client.post("/api/v1/exchange/requests", json=body, headers=token(client, "civil"))
    assert response.status_code == 422


def test_verify_log_command_detects_a_changed_entry(client: TestClient, xworld: XWorld) -> None:
    client.get("/api/v1/exchange/resources/RK-DJLR/records", headers=token(client, "civil"))  # a denied read
    client.get(
        "/api/v1/exchange/resources/RK-DJLR/records", headers=token(client, "police")
    )  # provider's own
    ok = CliRunner().invoke(cli, ["exchange", "verify-log"])
    assert ok.exit_code == 0, ok.output
    assert "已校验 2 条" in ok.output
    xworld.session.execute(update(LogEntry).where(LogEntry.seq == 1).values(result="ok"))
    xworld.session.commit()
    broken = CliRunner().invoke(cli, ["exchange", "verify-log"])
    assert broken.exit_code == 1
    assert "第 1 条" in broken.output


def test_catalogue_search_and_dcat(client: TestClient, xworld: XWorld) -> None:
    civil = token(client, "civil")
    found = client.get("/api/v1/exchange/resources?q=联系电话", headers=civil).json()
    assert [r["code"] for r in found] == ["RK-DJLR"]
    assert client.get("/api/v1/exchange/resources?q=不存在的", headers=civil).json() == []
    doc = client.get("/api/v1/exchange/catalogue.jsonld", headers=civil).json()
    assert doc["dcat:dataset"][0]["dct:title"] == "人口基础信息（独居老人）"
    assert client.get("/api/v1/exchange/catalogue.jsonld").status_code == 401
