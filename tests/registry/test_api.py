"""Registry import through the API: a rejected file answers 422 with the row-by-row report."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, DepartmentFactory, UserFactory


def _token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_upload_rejected_then_accepted(client: TestClient, session: Session) -> None:
    UserFactory(username="keeper", roles=["handler"], department=DepartmentFactory(name="公安分局"))
    UserFactory(username="leader", roles=["leader"], department=DepartmentFactory())
    UserFactory(username="citizen1", roles=["citizen"])
    session.commit()
    keeper = _token(client, "keeper")
    bad = "公民身份号码,姓名\n11010519491231002X,王芳\n110105194912310021,李强\n".encode()
    response = client.post("/api/v1/registry/imports/person", files={"file": ("p.csv", bad)}, headers=keeper)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["details"]["errors"] == [
        {"row": 3, "field": "id_number", "field_label": "公民身份号码", "message": "身份证号码校验码错误"}
    ]
    good = "公民身份号码,姓名\n11010519491231002X,王芳\n".encode()
    response = client.post("/api/v1/registry/imports/person", files={"file": ("p.csv", good)}, headers=keeper)
    assert response.status_code == 201 and response.json()["inserted"] == 1
    quality = client.get("/api/v1/registry/quality", headers=_token(client, "leader")).json()
    assert quality["departments"][0]["rejected"] == 1 and quality["counts"]["person"] == 1
    assert client.get("/api/v1/registry/quality", headers=_token(client, "citizen1")).status_code == 403
    png = client.post(
        "/api/v1/registry/imports/person", files={"file": ("p.csv", b"\x89PNG\r\n\x1a\n\x00")}, headers=keeper
    )
    assert png.status_code == 422 and png.json()["code"] == "unsupported_file_type"
