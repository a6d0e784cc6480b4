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


# --- training from closed cases, the admin page and its job ------------------------------------

CLOSED = [("小区垃圾没人清运", "HW"), ("商贩占道摆摊", "CG"), ("路边垃圾桶满了", "HW"),
          ("早市小摊占道经营", "CG"), ("楼下垃圾堆放好几天", "HW"), ("流动摊贩在路口占道", "CG")] * 2


@pytest.fixture()
def fresh_model_dir() -> Iterator[None]:
    """No stored model before or after the test (the var/ directory is the session's)."""
    from smartgov.cases.classifier import model_files

    files = model_files(None)
    for f in files:
        f.unlink(missing_ok=True)
    yield
    for f in files:
        f.unlink(missing_ok=True)


def close_cases(world: World, rows: list[tuple[str, str]]) -> None:
    for text, code in rows:
        case = hotline(world, text)
        case.status, case.lead_department_id = str(Status.CLOSED), world.depts[code].id
    world.session.commit()


def test_train_from_closed_cases_holds_out_the_newest(world: World, fresh_model_dir: None) -> None:
    from smartgov.cases.routing import current_suggester, train_from_closed_cases

    close_cases(world, CLOSED)
    report = train_from_closed_cases(world.session)
    assert report.training_size == len(CLOSED) and report.departments == 2
    assert report.path.exists() and report.held_out_macro_f1 is not None
    meta = current_suggester().metadata  # type: ignore[union-attr]
    assert meta["holdout"]["samples"] == round(len(CLOSED) * 0.2)
    assert meta["holdout"]["protocol"].startswith("按时间")
    assert current_suggester().suggest("垃圾没人清运", k=1)[0].label == "HW"  # type: ignore[union-attr]


def test_train_from_closed_cases_needs_cases(world: World, fresh_model_dir: None) -> None:
    from smartgov.cases.classifier import DispatchModelError
    from smartgov.cases.routing import train_from_closed_cases

    with pytest.raises(DispatchModelError, match="已结案案件"):
        train_from_closed_cases(world.session)
    close_cases(world, CLOSED[:1])
    with pytest.raises(DispatchModelError, match="两个不同的标签"):
        train_from_closed_cases(world.session)


def test_admin_page_retrains_in_a_job(client: TestClient, world: World, fresh_model_dir: None) -> None:
    """重新训练: the POST queues the job (run inline in the tests); the page then shows the model."""
    from tests.auth.conftest import audit_rows, csrf_from
    from tests.cases.test_pages import login
    from tests.factories import UserFactory

    world.users["sysadmin"] = UserFactory(roles=["system_admin"])
    world.session.commit()
    close_cases(world, CLOSED)
    login(client, world, "sysadmin")
    page = client.get("/admin/dispatch-model").text
    assert "尚未训练" in page and "重新训练" in page and "智能派遣模型" in page
    response = client.post("/admin/dispatch-model/train", data={"csrf_token": csrf_from(page)},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "已提交重新训练" in page and 'data-state="ready"' in page
    assert f'data-testid="training-size">{len(CLOSED)}<' in page
    assert "留出验证宏平均 F1" in page and "基线" in page
    assert [r.actor_id for r in audit_rows(world.session, "dispatch_model.train")] == [
        world.users["sysadmin"].id]
    from smartgov.auth.audit import action_label

    assert action_label("dispatch_model.train") == "重新训练智能派遣模型"


def test_admin_page_is_for_the_system_administrator(client: TestClient, world: World) -> None:
    from tests.cases.test_pages import login

    login(client, world, "dispatcher")
    assert client.get("/admin/dispatch-model").status_code == 403
    assert client.post("/admin/dispatch-model/train").status_code in (403, 400)


def test_admin_page_says_an_old_model_is_unusable(client: TestClient, world: World,
                                                  fresh_model_dir: None) -> None:
    import joblib

    from smartgov.cases.classifier import model_files
    from tests.cases.test_pages import login
    from tests.factories import UserFactory

    model_file = model_files(None)[0]
    model_file.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"format": 1}, model_file)
    world.users["sysadmin"] = UserFactory(roles=["system_admin"])
    world.session.commit()
    login(client, world, "sysadmin")
    page = client.get("/admin/dispatch-model").text
    assert 'data-state="unusable"' in page and "格式过旧" in page
