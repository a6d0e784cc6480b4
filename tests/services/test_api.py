"""The JSON API: a whole joint application over HTTP, permissions, public certificate endpoints."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.services.conftest import World

PDF = b"%PDF-1.4\n%test\n"


def token(client: TestClient, world: World, name: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": world.users[name].username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_joint_application_over_http_to_a_verifiable_certificate(client: TestClient, world: World) -> None:
    h = {
        n: token(client, world, n) for n in ("company", "clerk", "lead", "tax", "gongan", "renshe", "person")
    }
    assert [i["name"] for i in client.get("/api/v1/services/items", params={"q": "企业开办"}).json()] == [
        "企业开办"
    ]
    app = client.post(
        "/api/v1/services/applications", json={"item_id": world.item.id}, headers=h["company"]
    ).json()
    base = f"/api/v1/services/applications/{app['id']}"
    assert app["form_data"]["applicant_name"] == "杭州示例科技有限公司"
    bad = client.post(
        f"{base}/materials/M1", files={"file": ("a.txt", b"hello", "text/plain")}, headers=h["company"]
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unsupported_file_type"
    for code in ("M1", "M2"):
        r = client.post(
            f"{base}/materials/{code}",
            files={"file": (f"{code}.pdf", PDF, "application/pdf")},
            headers=h["company"],
        )
        assert r.status_code == 201, r.text
    assert (
        client.post(f"{base}/actions/submit", json={}, headers=h["company"]).json()["status"] == "submitted"
    )
    assert client.get(base, headers=h["person"]).status_code == 404  # not theirs
    assert client.post(f"{base}/actions/accept", json={}, headers=h["company"]).status_code == 403
    queue = client.get(
        "/api/v1/services/applications", params={"queue": "pending_accept"}, headers=h["clerk"]
    )
    assert [a["id"] for a in queue.json()["items"]] == [app["id"]]
    assert (
        queue.json()["items"][0]["applicant_id_number"].startswith("913*")
        and "*" in queue.json()["items"][0]["applicant_id_number"]
    )
    assert client.post(f"{base}/actions/accept", json={}, headers=h["clerk"]).json()["status"] == "reviewing"
    for dept in ("tax", "gongan", "renshe"):
        r = client.post(f"{base}/actions/opinion", json={"verdict": "agree"}, headers=h[dept])
        assert r.status_code == 200, r.text
    assert client.post(f"{base}/actions/review", json={}, headers=h["lead"]).status_code == 200
    r = client.post(f"{base}/actions/decide", json={"decision": "approve"}, headers=h["lead"])
    assert r.json()["status"] == "issuing"
    wrong = client.post(f"{base}/actions/decide", json={"decision": "approve"}, headers=h["lead"])
    assert wrong.status_code == 409
    assert client.post(f"{base}/actions/issue", json={}, headers=h["lead"]).json()["status"] == "completed"
    wallet = client.get("/api/v1/certificates/mine", headers=h["company"]).json()
    ident = wallet[0]["identifier"]
    public = client.get(f"/api/v1/certificates/{ident}").json()  # anyone: genuine or not, holder masked
    assert public["signature_valid"] is True and "payload" not in public and "signature" not in public
    assert "*" in public["holder_id"] and public["holder_id"] != "91330100MA2XXXXX1X"
    assert client.get(f"/api/v1/certificates/{ident}/pdf").status_code == 401
    assert client.get(f"/api/v1/certificates/{ident}/pdf", headers=h["person"]).status_code == 403
    assert client.get(f"/api/v1/certificates/{ident}/pdf", headers=h["company"]).status_code == 200
    cert = client.get(f"/api/v1/certificates/{ident}", headers=h["company"]).json()  # the holder: all of it
    assert {"identifier", "status", "payload", "signature", "algorithm"} <= set(cert)
    assert cert["status"] == "valid" and cert["algorithm"] == "Ed25519"
    key = load_pem_public_key(client.get("/api/v1/certificates/public-key").text.encode())
    key.verify(base64.b64decode(cert["signature"]), cert["payload"].encode("utf-8"))
    page = client.get("/certificates/verify", params={"id": ident})
    assert "核验通过：证照真实有效" in page.text
    rated = client.post(f"{base}/rating", json={"level": 5}, headers=h["company"])
    assert rated.status_code == 201 and rated.json()["label"] == "非常满意"


def test_bad_input_is_a_clear_4xx(client: TestClient, world: World) -> None:
    h = token(client, world, "company")
    assert client.get("/api/v1/services/applications/99999999999", headers=h).status_code == 422
    assert client.get("/api/v1/services/applications", params={"queue": "nope"}, headers=h).status_code == 422
    assert client.post("/api/v1/services/applications", json={"item_id": 0}, headers=h).status_code == 422
    assert client.get("/api/v1/certificates/NOT-AN-ID").status_code == 422
    assert client.get("/api/v1/certificates/1.2.156.3005.2.X").status_code == 404
    assert client.get("/api/v1/services/applications").status_code == 401


def test_only_the_system_administrator_edits_items(client: TestClient, world: World) -> None:
    body = {
        "base_code": "1",
        "impl_code": "X-1",
        "name": "测试",
        "item_type": "行政许可",
        "department_code": "shichang",
        "statutory_days": 5,
        "promised_days": 6,
    }
    assert (
        client.post("/api/v1/services/items", json=body, headers=token(client, world, "lead")).status_code
        == 403
    )
