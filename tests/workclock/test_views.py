"""JSON API /api/v1/workclock: due times and days for staff, schedule upload for the admin."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, UserFactory


def _auth(client: TestClient, session: Session, *roles: str) -> dict[str, str]:
    user = UserFactory(roles=roles)
    session.commit()
    token = client.post("/api/v1/auth/token",
                        data={"username": user.username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_due_endpoint(client: TestClient, session: Session) -> None:
    headers = _auth(client, session, "dispatcher")
    response = client.get("/api/v1/workclock/due",
                          params={"start": "2026-09-30T16:00:00+08:00", "limit": "3wd"},
                          headers=headers)
    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-30T16:00:00+08:00", "limit": "3wd",
                               "label": "3个工作日", "due_at": "2026-10-10T17:30:00+08:00"}


def test_due_endpoint_errors(client: TestClient, session: Session) -> None:
    assert client.get("/api/v1/workclock/due",
                      params={"start": "2026-09-30T16:00", "limit": "3wd"}).status_code == 401
    headers = _auth(client, session, "dispatcher")
    bad = client.get("/api/v1/workclock/due", params={"start": "2026-09-30", "limit": "3x"},
                     headers=headers)
    assert bad.status_code == 422 and bad.json()["code"] == "bad_time_limit"
    unknown = client.get("/api/v1/workclock/due", params={"start": "2030-01-02", "limit": "1wd"},
                         headers=headers)
    assert unknown.status_code == 409 and unknown.json()["code"] == "calendar_unknown_year"
    assert unknown.json()["details"] == {"year": 2030}


def test_days_endpoint(client: TestClient, session: Session) -> None:
    headers = _auth(client, session, "handler")
    body = client.get("/api/v1/workclock/days/2026", headers=headers).json()
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-10-10"]["is_workday"] and not days["2026-10-01"]["is_workday"]


def test_schedule_upload_needs_the_system_admin(client: TestClient, session: Session) -> None:
    data = {"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}
    staff = _auth(client, session, "dispatcher")
    assert client.post("/api/v1/workclock/schedule", json=data,
                       headers=staff).status_code == 403
    admin = _auth(client, session, "system_admin")
    response = client.post("/api/v1/workclock/schedule", json=data, headers=admin)
    assert response.status_code == 200 and response.json() == {"loaded": 2, "years": [2027]}
    due = client.get("/api/v1/workclock/due", params={"start": "2027-01-08T10:00", "limit": "1wd"},
                     headers=staff).json()
    assert due["due_at"] == "2027-01-09T17:30:00+08:00"
    csv = client.post("/api/v1/workclock/schedule", content="2027-01-09,maybe\n",
                      headers={**admin, "Content-Type": "text/csv"})
    assert csv.status_code == 422 and csv.json()["code"] == "bad_schedule"


def test_schedule_upload_is_audited(client: TestClient, session: Session) -> None:
    from sqlalchemy import select

    from smartgov.auth.models import AuditEntry

    admin = _auth(client, session, "system_admin")
    client.post("/api/v1/workclock/schedule", content="2027-01-01,休,元旦\n",
                headers={**admin, "Content-Type": "text/csv"})
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "workclock.schedule.load" in actions
