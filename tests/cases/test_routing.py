"""Learned dispatch: top-3 suggestions for the dispatcher, automatic dispatch above the threshold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from smartgov.cases import service
from smartgov.cases.classifier import train_from_records
from smartgov.cases.routing import suggestions_for
from smartgov.cases.schemas import ActionInput
from smartgov.cases.workflow import Status
from smartgov.config import get_settings
from tests.cases.conftest import World
from tests.factories import hotline

TRAINING = [
    ("小区门口垃圾没人清运，臭气熏天", "HW"),
    ("路边垃圾桶满了溢出来", "HW"),
    ("楼下垃圾堆放好几天了", "HW"),
    ("垃圾清运车每天很晚才来", "HW"),
    ("街道上到处是垃圾没人扫", "HW"),
    ("商贩占用人行道摆摊卖水果", "CG"),
    ("早市小摊占道经营影响通行", "CG"),
    ("店铺把货物摆到人行道上", "CG"),
    ("流动摊贩在路口占道", "CG"),
    ("夜市摊位占满了人行道", "CG"),
]


@pytest.fixture()
def model() -> Iterator[None]:
    texts, labels = zip(*TRAINING, strict=True)
    path = train_from_records(list(texts), list(labels)).save()
    yield
    path.unlink()


def test_dispatcher_sees_three_suggestions(world: World, model: None, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "auto_dispatch_confidence", 1.01)  # never automatic
    case = hotline(world, "小区垃圾好几天没人清运了")
    assert case.status == Status.PENDING_FILE and not case.auto_dispatched
    suggestions = suggestions_for(world.session, case)
    assert suggestions[0].department_code == "HW"
    assert [s.confidence for s in suggestions] == sorted((s.confidence for s in suggestions), reverse=True)
    assert case.dispatch_confidence == suggestions[0].confidence


def test_confident_suggestion_dispatches_automatically(world: World, model: None, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "auto_dispatch_confidence", 0.3)
    case = hotline(world, "人行道上有商贩占道摆摊")
    assert case.status == Status.HANDLING and case.auto_dispatched
    assert case.lead_department_id == world.depts["CG"].id


def test_no_model_no_suggestions(world: World) -> None:
    case = hotline(world, "小区垃圾没人清运")
    assert suggestions_for(world.session, case) == [] and case.status == Status.PENDING_FILE


def test_suggestions_api(client: TestClient, world: World, model: None) -> None:
    case = hotline(world, "垃圾桶满了")
    token = client.post(
        "/api/v1/auth/token",
        data={"username": world.users["dispatcher"].username, "password": "Test-Passw0rd"},
    ).json()["access_token"]
    response = client.get(
        f"/api/v1/cases/{case.id}/suggestions", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and len(response.json()) == 2


def test_training_rows_from_closed_cases(world: World) -> None:
    case = hotline(world, "楼道灯坏了")
    case.status, case.lead_department_id = str(Status.CLOSED), world.depts["SZ"].id
    world.session.commit()
    rows = list(service.dispatch_training_rows(world.session))
    assert rows == [(f"{case.title}\n{case.description}", "SZ")]


def test_case_page_shows_the_dispatcher_the_suggestions(client: TestClient, world: World, model: None,
                                                        monkeypatch) -> None:
    """派遣建议 on the case page: the top suggestion is also the department preselected."""
    from tests.cases.test_pages import login

    monkeypatch.setattr(get_settings(), "auto_dispatch_confidence", 1.01)
    case = hotline(world, "小区垃圾好几天没人清运了")
    filing = ActionInput(note="立案", category_code="1101")
    service.act(world.session, case.id, "file", filing, principal=world.p("chief"))
    login(client, world, "dispatcher")
    page = client.get(f"/cases/{case.id}").text
    assert 'data-testid="suggestions"' in page and "区环卫所" in page
    assert '<option value="HW" selected>' in page


def test_both_automatic_paths_file_dispatch_and_notify_alike(world: World, model: None,
                                                             monkeypatch) -> None:
    """智能派遣 and 直派 leave the same trace: 自动立案, 自动派遣, one inbox message."""
    from sqlalchemy import select

    from smartgov.inbox.models import Notification
    from smartgov.workflow.models import TimelineEvent

    monkeypatch.setattr(get_settings(), "auto_dispatch_confidence", 0.3)
    by_model = hotline(world, "人行道上有商贩占道摆摊")
    by_catalogue = hotline(world, "路口占道经营", "stall", grid=0)
    for case in (by_model, by_catalogue):
        actions = world.session.scalars(
            select(TimelineEvent.action).where(TimelineEvent.subject_id == case.id).order_by(TimelineEvent.id)
        ).all()
        assert actions == ["collect", "auto_file", "auto_dispatch"], actions
        inbox = world.session.scalars(
            select(Notification).where(Notification.subject_id == case.id, Notification.kind == "dispatched")
        ).all()
        assert [n.department_id for n in inbox] == [world.depts["CG"].id]
