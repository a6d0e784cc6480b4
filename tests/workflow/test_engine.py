"""The workflow engine on a toy machine: act(), refusals, timeline, audit, timers, requests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from smartgov.auth.models import AuditEntry
from smartgov.auth.service import principal_for
from smartgov.errors import AppError, Conflict, NotFound, ValidationFailed
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer
from smartgov.workflow import engine, requests, timeline
from smartgov.workflow.models import TimelineEvent
from tests.factories import DepartmentFactory, UserFactory
from tests.workflow.toy import CALLS, TOY, Ticket

T0 = datetime.fromisoformat("2026-12-01T09:00:00+08:00")


@pytest.fixture()
def people(session, toy_tables):  # type: ignore[no-untyped-def]
    dept = DepartmentFactory(code="TOY", name="玩具局")
    return {
        "clerk": principal_for(UserFactory(roles=["clerk"], department=dept), session=session),
        "reviewer": principal_for(UserFactory(roles=["reviewer"]), session=session),
        "dept": dept,
    }


def new_ticket(session, people, start: datetime = T0) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = Ticket(owner_department_id=people["dept"].id)
    session.add(ticket)
    session.flush()
    engine.move(session, TOY, ticket, "open", start)
    session.commit()
    return ticket


def test_act_moves_state_records_timeline_and_audit_and_stops_the_timer(session, people) -> None:
    ticket = new_ticket(session, people)
    timer = timers.open_timer(session, "toy", ticket.id)
    assert timer.stage == "work" and timer.department_id == people["dept"].id
    assert timer.due_at == T0 + timedelta(hours=8) and ticket.due_at == timer.due_at.isoformat()

    engine.act(session, TOY, ticket, "finish", None, principal=people["clerk"], version=ticket.version,
               at=T0 + timedelta(hours=9))

    assert ticket.status == "done" and ("finish", ticket.id) in CALLS
    assert timers.open_timer(session, "toy", ticket.id) is None
    ended = session.scalars(select(WorkTimer).where(WorkTimer.subject_id == ticket.id)).one()
    assert ended.on_time is False and ticket.due_at is None  # 9 h on an 8 h limit
    (event,) = timeline.entries(session, "toy", [ticket.id])
    assert (event.action, event.from_state, event.to_state) == ("finish", "open", "done")
    assert event.actor_id == people["clerk"].user_id
    lines = session.scalars(select(AuditEntry).where(AuditEntry.action == "toy.finish")).all()
    assert [(a.result, a.object_id) for a in lines] == [("success", str(ticket.id))]


def test_wrong_state_is_409_wrong_role_403_guard_403_and_each_refusal_is_audited(session, people) -> None:
    ticket = new_ticket(session, people)
    with pytest.raises(AppError) as wrong_role:
        engine.act(session, TOY, ticket, "finish", None, principal=people["reviewer"])
    assert wrong_role.value.status_code == 403 and wrong_role.value.message == "您的角色不能执行「办结」"
    with pytest.raises(AppError) as wrong_state:
        engine.act(session, TOY, ticket, "reopen", None, principal=people["reviewer"], note="x")
    assert wrong_state.value.status_code == 409
    assert wrong_state.value.message.startswith("工单当前状态为「待办」，不能执行「重新打开」")
    ticket.owner_department_id = -1
    session.commit()
    with pytest.raises(AppError) as guarded:
        engine.act(session, TOY, ticket, "finish", None, principal=people["clerk"])
    assert guarded.value.status_code == 403 and guarded.value.message == "工单已锁定"
    denied = session.scalars(select(AuditEntry.action).where(AuditEntry.result == "denied")).all()
    assert sorted(denied) == ["toy.finish", "toy.finish", "toy.reopen"]
    assert CALLS == [] and timeline.entries(session, "toy", [ticket.id]) == []


def test_stale_version_and_missing_note_and_unknown_action(session, people) -> None:
    ticket = new_ticket(session, people)
    with pytest.raises(Conflict) as stale:
        engine.act(session, TOY, ticket, "finish", None, principal=people["clerk"],
                   version=ticket.version - 1)
    assert stale.value.code == "toy_changed"
    engine.act(session, TOY, ticket, "finish", None, principal=people["clerk"], version=ticket.version,
               at=T0 + timedelta(hours=1))
    with pytest.raises(ValidationFailed):
        engine.act(session, TOY, ticket, "reopen", None, principal=people["reviewer"], note="  ")
    with pytest.raises(NotFound):
        engine.act(session, TOY, ticket, "explode", None, principal=people["reviewer"])
    engine.act(session, TOY, ticket, "reopen", None, principal=people["reviewer"], note="再办",
               at=T0 + timedelta(hours=2))
    assert ticket.status == "open" and timers.open_timer(session, "toy", ticket.id) is not None


def test_a_deciding_action_shows_only_while_a_request_waits(session, people) -> None:
    ticket = new_ticket(session, people)
    reviewer = people["reviewer"]
    assert [a.name for a in TOY.allowed(ticket, reviewer, waiting=[])] == []
    assert [a.name for a in TOY.allowed(ticket, reviewer, waiting=["*"])] == ["decide"]
    assert [a.name for a in TOY.allowed(ticket, reviewer)] == ["decide"]  # waiting unknown


def test_requests_one_at_a_time_decided_or_withdrawn(session, people) -> None:
    ticket = new_ticket(session, people)
    first = requests.open_request(session, "toy", ticket.id, "extension", "材料多", at=T0, extension="2h")
    with pytest.raises(Conflict):
        requests.open_request(session, "toy", ticket.id, "park", "等待", at=T0)
    assert requests.subjects_with_pending(session, "toy", [ticket.id, 999]) == {ticket.id}
    with pytest.raises(ValidationFailed):
        requests.decide(first, None, by_id=None, at=T0, note=None)
    requests.decide(first, True, by_id=people["reviewer"].user_id, at=T0, note="同意")
    assert first.status == "approved" and requests.pending(session, "toy", ticket.id) is None
    with pytest.raises(Conflict):
        requests.decide(first, False, by_id=None, at=T0, note=None)
    second = requests.open_request(session, "toy", ticket.id, "park", "等待", at=T0)
    requests.withdraw(second, at=T0, reason="已办结")
    assert second.status == "withdrawn"
    assert requests.subjects_with_pending(session, "toy", [ticket.id]) == set()


def test_timeline_labels_and_order(session, people) -> None:
    ticket = new_ticket(session, people)
    timeline.record(session, "toy", ticket.id, None, "created", None, "open", at=T0 + timedelta(minutes=5))
    timeline.record(session, "toy", ticket.id, people["clerk"], "finish", "open", "done", at=T0)
    session.commit()
    rows = timeline.entries(session, "toy", [ticket.id])
    assert [(r.action, r.actor_name) for r in rows][0][0] == "finish"
    assert rows[1].actor_name == "系统" and rows[1].actor_id is None
    assert TOY.step_label("created") == "创建" and TOY.step_label("finish") == "办结"
    assert session.scalars(select(TimelineEvent.subject_type)).all() == ["toy", "toy"]
