"""A sensitive item pushed through the API reaches the officers' inboxes within a minute as an alert,
which the officer turns into a case through the case hub's intake."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.cases.models import Case
from smartgov.inbox.models import Notification
from smartgov.opinion.models import OpinionAlert, OpinionItem
from tests.opinion.conftest import OpinionWorld, token

POST = {
    "url": "https://weibo.example/p/1",
    "title": "翠苑社区居民聚集",
    "content": "今天上午翠苑社区门口有几十人聚集，要求解决拖欠的工资问题。",
    "author": "热心网友",
    "reposts": 12,
    "comments": 3,
    "likes": 40,
}


def test_sensitive_item_pushed_reaches_each_officer_within_a_minute_with_evidence(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    headers = token(client, world, "officer")
    response = client.post(
        "/api/v1/opinion/push", headers=headers, json={"source_code": "partner", "items": [POST]}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"received": 1, "stored": 1, "duplicates": 0}
    session.expire_all()
    item = session.scalars(select(OpinionItem)).one()
    assert item.processed_at is not None
    assert [h["term"] for h in item.sensitive] == ["聚集"]
    alert = session.scalars(select(OpinionAlert)).one()
    assert alert.evidence["item_id"] == item.id and alert.evidence["hits"][0]["category"] == "mass_incident"
    notes = session.scalars(select(Notification).where(Notification.subject_id == alert.id)).all()
    assert sorted(n.user_id for n in notes) == sorted([world.users["officer"].id, world.users["officer2"].id])
    for note in notes:
        assert isinstance(note.created_at, datetime)
        assert (note.created_at - item.collected_at).total_seconds() < 60
        assert "群体性事件" in note.message


def test_the_same_url_is_stored_once(client: TestClient, world: OpinionWorld, session: Session) -> None:
    headers = token(client, world, "officer")
    client.post("/api/v1/opinion/push", headers=headers, json={"source_code": "partner", "items": [POST]})
    again = client.post(
        "/api/v1/opinion/push", headers=headers, json={"source_code": "partner", "items": [POST]}
    )
    assert again.json() == {"received": 1, "stored": 0, "duplicates": 1}
    assert len(session.scalars(select(OpinionItem)).all()) == 1


def test_officer_turns_alert_into_a_case_located_on_the_grid_found(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    headers = token(client, world, "officer")
    client.post(
        "/api/v1/opinion/push",
        headers=headers,
        json={
            "source_code": "partner",
            "items": [{**POST, "content": "翠苑1号网格内有人持刀伤人，大家小心。"}],
        },
    )
    alert_id = session.scalars(select(OpinionAlert.id)).one()
    response = client.post(
        f"/api/v1/opinion/alerts/{alert_id}/actions", headers=headers, json={"action": "case"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "case" and body["case_id"]
    case = session.get(Case, body["case_id"])
    assert case.source == "opinion"
    assert case.source_ref == f"opinion-alert-{alert_id}"
    assert case.grid_id == world.grids[0].id
    again = client.post(
        f"/api/v1/opinion/alerts/{alert_id}/actions", headers=headers, json={"action": "case"}
    )
    assert again.status_code == 409
    responded = client.post(
        f"/api/v1/opinion/alerts/{alert_id}/actions",
        headers=headers,
        json={"action": "respond", "note": "区公安分局已到场处置，嫌疑人已控制。"},
    )
    assert responded.json()["status"] == "responded"


def test_only_the_opinion_officer_handles_alerts_and_others_may_not_push(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    officer = token(client, world, "officer")
    client.post("/api/v1/opinion/push", headers=officer, json={"source_code": "partner", "items": [POST]})
    alert_id = session.scalars(select(OpinionAlert.id)).one()
    leader = token(client, world, "leader")
    assert client.get("/api/v1/opinion/alerts", headers=leader).status_code == 200
    assert (
        client.post(
            f"/api/v1/opinion/alerts/{alert_id}/actions", headers=leader, json={"action": "dismiss"}
        ).status_code
        == 403
    )
    handler = token(client, world, "handler")
    assert client.get("/api/v1/opinion/alerts", headers=handler).status_code == 403
    assert (
        client.post(
            "/api/v1/opinion/push", headers=handler, json={"source_code": "partner", "items": [POST]}
        ).status_code
        == 403
    )
    assert (
        client.post("/api/v1/opinion/push", json={"source_code": "partner", "items": [POST]}).status_code
        == 401
    )
