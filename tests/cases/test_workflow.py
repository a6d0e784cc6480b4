"""Every workflow action and guard of the seven-step flow, through the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smartgov.cases import service
from smartgov.cases.models import (
    Case,
    CaseReporter,
)
from smartgov.cases.schemas import ActionInput
from smartgov.cases.workflow import ACTIONS, Status, allowed_actions
from smartgov.db import now, session_factory
from smartgov.errors import AppError
from smartgov.inbox.models import Notification, OutboxMessage
from smartgov.workclock.models import WorkTimer
from smartgov.workflow.models import PendingRequest, TimelineEvent
from tests.cases.conftest import World
from tests.factories import DepartmentFactory, UserFactory, report


def do(world: World, case: Case, name: str, who: str, **fields) -> Case:
    fields.setdefault("note", "处理说明")
    return service.act(world.session, case.id, name, ActionInput(**fields), principal=world.p(who))


def run_to_close(world: World, case: Case) -> None:
    """Take a reported garbage case in grid 0 through every step to 结案 (HW handles it)."""
    for name, who, extra in (
        ("verify", "inspector", {}),
        ("file", "chief", {}),
        ("dispatch", "dispatcher", {"department_code": "HW"}),
        ("report_back", "handler", {}),
        ("recheck_pass", "inspector", {}),
        ("close", "chief", {}),
    ):
        do(world, case, name, who, **extra)


def refused(world: World, case: Case, name: str, who: str, status: int, **fields) -> AppError:
    with pytest.raises(AppError) as info:
        do(world, case, name, who, **fields)
    assert info.value.status_code == status, info.value.message
    world.session.rollback()
    return info.value


def test_full_flow_with_rework_callback_and_reopen(world: World) -> None:
    case = report(world)
    assert case.status == Status.REPORTED and case.grid_id == world.grids[0].id
    assert case.case_no and case.tracking_code and case.due_at is not None

    refused(world, case, "verify", "inspector2", 404)  # not their grid: not even visible
    refused(world, case, "file", "inspector", 403)  # wrong role
    refused(world, case, "file", "handler", 404)  # not dispatched to them: invisible
    do(world, case, "verify", "inspector")
    assert case.status == Status.PENDING_FILE and case.verified_at
    do(world, case, "file", "chief")
    assert case.status == Status.PENDING_DISPATCH and case.filed_at
    refused(world, case, "dispatch", "dispatcher", 422, note=None)  # no department chosen
    do(world, case, "dispatch", "dispatcher", department_code="HW", helper_codes=["CG"])
    assert case.status == Status.HANDLING and case.lead_department_id == world.depts["HW"].id
    assert [h.department_id for h in case.helpers] == [world.depts["CG"].id]
    handle_due = case.due_at

    refused(world, case, "report_back", "handler_cg", 403)  # helper dept is not the lead
    do(world, case, "request_extension", "handler", extension="2wd", note="需采购配件")
    refused(world, case, "request_park", "handler", 409)  # one pending request at a time
    pending = world.session.scalar(
        select(PendingRequest).where(PendingRequest.subject_id == case.id)
    )
    do(world, case, "decide_exception", "dispatcher", exception_id=pending.id, approve=True)
    assert case.due_at > handle_due and pending.status == "approved"

    do(world, case, "report_back", "handler", note="已清运")
    assert case.status == Status.PENDING_RECHECK
    do(world, case, "recheck_fail", "inspector", note="仍有残留")
    assert case.status == Status.HANDLING and case.rework_count == 1
    do(world, case, "report_back", "handler", note="已彻底清运")
    do(world, case, "recheck_pass", "inspector")
    assert case.status == Status.PENDING_CLOSE
    do(world, case, "close", "chief")
    assert case.status == Status.PENDING_CALLBACK and case.closed_at
    refused(world, case, "callback", "operator", 422, satisfaction=None)
    do(world, case, "callback", "operator", satisfaction="不满意", note="群众反映仍有垃圾")
    assert case.status == Status.CLOSED and case.satisfaction == "不满意"
    do(world, case, "reopen", "chief", note="核实确有问题，重办")
    assert case.status == Status.HANDLING and case.reopen_count == 1
    handle_clocks = world.session.scalars(
        select(WorkTimer).where(WorkTimer.subject_id == case.id, WorkTimer.stage == "handle")
    ).all()
    assert len(handle_clocks) == 3  # first handling, rework, reopen: each a new clock


def test_wrong_state_is_409_with_clear_message(world: World) -> None:
    case = report(world)
    err = refused(world, case, "close", "chief", 409)
    assert "待核实" in err.message and err.code == "action_not_allowed"


def test_reopen_needs_dissatisfied_callback(world: World) -> None:
    case = report(world, "noise", who="citizen")
    do(world, case, "report_back", "handler_cg", note="已劝导")
    do(world, case, "callback", "operator", satisfaction="满意")
    err = refused(world, case, "reopen", "chief", 403)
    assert "不满意" in err.message


def test_void_and_verify_false_need_a_note(world: World) -> None:
    case = report(world)
    err = refused(world, case, "void", "chief", 422, note="")
    assert err.code == "note_required"
    do(world, case, "verify_false", "inspector", note="现场无此问题")
    assert case.status == Status.VOID and case.due_at is None


def test_void_by_chief(world: World) -> None:
    case = report(world)
    do(world, case, "void", "chief", note="重复上报")
    assert case.status == Status.VOID


def test_direct_dispatch_routes_by_catalogue(world: World) -> None:
    case = report(world, "stall")
    assert case.status == Status.HANDLING and case.auto_dispatched
    assert case.lead_department_id == world.depts["CG"].id
    inbox = world.session.scalars(
        select(Notification).where(Notification.department_id == world.depts["CG"].id)
    ).all()
    assert inbox and case.case_no in inbox[0].message


def test_handler_closes_class_without_recheck(world: World) -> None:
    case = report(world, "noise")
    do(world, case, "report_back", "handler_cg", note="已处理完毕")
    assert case.status == Status.PENDING_CALLBACK  # closed by the department, awaiting 回访
    assert case.result_note == "已处理完毕"


def test_return_approved_goes_back_to_dispatch(world: World) -> None:
    case = report(world, "stall")
    do(world, case, "request_return", "handler_cg", note="不属于本部门职责")
    pending = world.session.scalar(
        select(PendingRequest).where(PendingRequest.subject_id == case.id)
    )
    refused(world, case, "decide_exception", "dispatcher", 422, exception_id=pending.id)
    do(world, case, "decide_exception", "dispatcher", exception_id=pending.id, approve=True)
    assert case.status == Status.PENDING_DISPATCH and case.lead_department_id is None
    assert case.return_count == 1


def test_objection_refused_keeps_department(world: World) -> None:
    case = report(world, "stall")
    do(world, case, "object", "handler_cg", note="应由市场监管处理")
    pending = world.session.scalar(
        select(PendingRequest).where(PendingRequest.subject_id == case.id)
    )
    do(
        world,
        case,
        "decide_exception",
        "chief",
        exception_id=pending.id,
        approve=False,
        note="属于占道经营，城管负责",
    )
    assert case.status == Status.HANDLING and pending.status == "refused"


def test_park_pauses_clock_and_unpark_resumes(world: World) -> None:
    case = report(world, "stall")
    do(world, case, "request_park", "handler_cg", note="需等待季节性施工")
    pending = world.session.scalar(
        select(PendingRequest).where(PendingRequest.subject_id == case.id)
    )
    do(world, case, "decide_exception", "dispatcher", exception_id=pending.id, approve=True)
    assert case.status == Status.PARKED and case.due_at is None
    clock = world.session.scalar(
        select(WorkTimer).where(WorkTimer.subject_id == case.id, WorkTimer.ended_at.is_(None))
    )
    assert clock.paused
    do(world, case, "unpark", "dispatcher")
    assert case.status == Status.HANDLING and case.due_at is not None


def test_extension_refused_after_deadline(world: World) -> None:
    case = report(world, "stall")
    case.due_at = now() - timedelta(hours=1)
    world.session.commit()
    err = refused(world, case, "request_extension", "handler_cg", 403, extension="1wd")
    assert "超过" in err.message


def test_extension_needs_valid_limit(world: World) -> None:
    case = report(world, "stall")
    refused(world, case, "request_extension", "handler_cg", 422, extension=None)


def test_supervise_and_remind(world: World) -> None:
    case = report(world, "stall")
    refused(world, case, "supervise", "chief", 403)
    do(world, case, "supervise", "supervisor", note="群众反映强烈，限期办结")
    assert case.is_supervised
    refused(world, case, "supervise", "supervisor", 403)  # already supervised
    do(world, case, "remind", "supervisor", note="请加快办理")
    kinds = {
        n.kind
        for n in world.session.scalars(select(Notification).where(Notification.subject_id == case.id))
    }
    assert {"supervise", "remind"} <= kinds


def test_merge_keeps_reporters_and_closing_master_closes_all(world: World) -> None:
    master = report(world, "garbage", who="citizen")
    dup = report(world, "garbage", who="citizen2")
    do(world, dup, "merge", "chief", master_case_id=master.id)
    assert dup.status == Status.MERGED and dup.merged_into_id == master.id
    reporters = world.session.scalars(
        select(CaseReporter).where(CaseReporter.case_id == master.id)
    ).all()
    assert {r.user_id for r in reporters} == {world.users["citizen"].id, world.users["citizen2"].id}
    run_to_close(world, master)
    world.session.refresh(dup)
    assert dup.closed_at is not None and dup.result_note == master.result_note
    told = world.session.scalars(
        select(Notification).where(Notification.kind == "case_closed")
    ).all()
    assert {n.user_id for n in told} == {world.users["citizen"].id, world.users["citizen2"].id}


def test_merge_refuses_void_master(world: World) -> None:
    master = report(world, "garbage")
    do(world, master, "void", "chief", note="无效")
    dup = report(world, "garbage")
    refused(world, dup, "merge", "chief", 409, master_case_id=master.id)


def test_stale_version_is_refused(world: World) -> None:
    case = report(world)
    old = case.version
    do(world, case, "verify", "inspector")
    err = refused(world, case, "file", "chief", 409, version=old)
    assert err.code == "case_changed"


def test_two_people_at_the_same_moment_only_one_wins(world: World) -> None:
    """Two sessions load the same version; the second commit is refused (optimistic check)."""
    case = report(world, "stall")
    factory = session_factory()
    s1, s2 = factory(), factory()
    try:
        c1, c2 = s1.get(Case, case.id), s2.get(Case, case.id)
        assert c1.version == c2.version
        c1.urgency = "紧急"
        s1.commit()
        c2.urgency = "特急"
        from sqlalchemy.orm.exc import StaleDataError

        with pytest.raises(StaleDataError):
            s2.commit()
    finally:
        s1.close()
        s2.close()


def test_concurrent_actions_through_service(world: World) -> None:
    """Two handlers submit on the same open page: exactly one succeeds, the other gets 409."""
    case = report(world, "stall")
    factory = session_factory()
    s1, s2 = factory(), factory()
    try:
        p = world.p("handler_cg")
        version = s1.get(Case, case.id).version
        s2.get(Case, case.id)  # the second person's page was loaded at the same moment
        service.act(
            s1, case.id, "report_back", ActionInput(note="办结", version=version), principal=p
        )
        with pytest.raises(AppError) as info:
            service.act(
                s2, case.id, "report_back", ActionInput(note="办结", version=version), principal=p
            )
        assert info.value.status_code == 409
    finally:
        s1.close()
        s2.close()


def test_concurrent_actions_without_version_still_exclusive(world: World) -> None:
    case = report(world, "stall")
    factory = session_factory()
    s1, s2 = factory(), factory()
    try:
        p = world.p("handler_cg")
        s1.get(Case, case.id)
        s2.get(Case, case.id)
        service.act(s1, case.id, "report_back", ActionInput(note="办结"), principal=p)
        with pytest.raises(AppError) as info:
            service.act(
                s2, case.id, "request_return", ActionInput(note="不属于本部门"), principal=p
            )
        assert info.value.status_code == 409
    finally:
        s1.close()
        s2.close()


def test_allowed_actions_follow_role_and_state(world: World) -> None:
    case = report(world)
    assert {a.name for a in allowed_actions(case, world.p("inspector"))} == {
        "verify",
        "verify_false",
    }
    assert {a.name for a in allowed_actions(case, world.p("inspector2"))} == set()
    assert "file" in {a.name for a in allowed_actions(case, world.p("chief"))}
    assert allowed_actions(case, world.p("citizen")) == []


def test_every_action_has_a_handler() -> None:
    assert set(ACTIONS) == set(service.HANDLERS)


# --- review fixes: merging, reopen, exceptions, inboxes, street offices ----------------------


def _notes(world: World, **where) -> list[Notification]:
    world.session.expire_all()
    stmt = select(Notification)
    for key, value in where.items():
        stmt = stmt.where(getattr(Notification, key) == value)
    return list(world.session.scalars(stmt.order_by(Notification.id)))


def test_merge_refuses_a_closed_master(world: World) -> None:
    """A problem reported again after its case was closed has come back: it is not merged away
    with the old result, it is handled as a case of its own."""
    master = report(world, "noise", who="citizen")  # 直派, no re-check, 12345-style callback
    do(world, master, "report_back", "handler_cg", note="已劝导，噪声已停止")
    assert master.status == Status.PENDING_CALLBACK
    dup = report(world, "garbage", who="citizen2")
    err = refused(world, dup, "merge", "chief", 409, master_case_id=master.id)
    assert err.code == "master_not_open" and "尚未办结" in err.message
    do(world, master, "callback", "operator", satisfaction="满意")
    refused(world, dup, "merge", "chief", 409, master_case_id=master.id)
    world.session.refresh(dup)
    assert dup.status == Status.REPORTED and dup.closed_at is None


def test_chained_merge_moves_children_to_the_master(world: World) -> None:
    a = report(world, "garbage", who="citizen")
    b = report(world, "garbage", who="citizen2")
    c = report(world, "garbage", who=None)
    do(world, c, "merge", "chief", master_case_id=b.id)
    do(world, b, "merge", "chief", master_case_id=a.id)
    world.session.refresh(c)
    assert c.merged_into_id == a.id and b.merged_into_id == a.id
    origins = {
        r.original_case_id
        for r in world.session.scalars(select(CaseReporter).where(CaseReporter.case_id == a.id))
    }
    assert origins == {None, b.id, c.id}
    run_to_close(world, a)
    world.session.refresh(b)
    world.session.refresh(c)
    assert b.closed_at is not None and c.closed_at is not None
    users = {n.user_id for n in _notes(world, kind="case_closed")}
    assert users == {world.users["citizen"].id, world.users["citizen2"].id}
    texts = world.session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "sms", OutboxMessage.subject_id == a.id)).all()
    assert len(texts) == 1  # c's caller


def test_merge_touches_the_master(world: World) -> None:
    master = report(world, "garbage", who="citizen")
    before, version = master.updated_at, master.version
    dup = report(world, "garbage", who="citizen2")
    do(world, dup, "merge", "chief", master_case_id=master.id)
    world.session.refresh(master)
    assert master.updated_at > before and master.version > version
    events = world.session.scalars(
        select(TimelineEvent).where(TimelineEvent.subject_id == master.id,
                                    TimelineEvent.action == "merged_in")
    ).all()
    assert len(events) == 1 and dup.case_no in events[0].note


def test_reopen_keeps_the_rating_and_tells_reporters_again(world: World) -> None:
    from smartgov.cases.kpi import service as kpi
    from smartgov.cases.kpi.service import Scope
    from smartgov.config import get_settings

    case = report(world, "noise", who="citizen")
    do(world, case, "report_back", "handler_cg", note="已劝导")
    assert len(_notes(world, kind="case_closed", user_id=world.users["citizen"].id)) == 1
    do(world, case, "callback", "operator", satisfaction="不满意", note="仍有噪声")
    do(world, case, "reopen", "chief", note="核实确有问题，重办")
    assert case.status == Status.HANDLING and case.satisfaction == "不满意"
    callback = world.session.scalar(
        select(TimelineEvent).where(TimelineEvent.subject_id == case.id, TimelineEvent.action == "callback")
    )
    assert callback.data["satisfaction"] == "不满意"  # the old answer stays in the history
    today = now().astimezone(get_settings().tz).date().isoformat()
    counts = kpi.hotline_counts(world.session, kpi.parse_period(today, today), Scope())
    row = counts[world.depts["CG"].id]
    assert (row["rated"], row["satisfied"], row["resolved"]) == (1, 0, 0)  # 不满意 still counts

    do(world, case, "report_back", "handler_cg", note="已加装隔音设施")
    told = _notes(world, kind="case_closed", user_id=world.users["citizen"].id)
    assert len(told) == 2 and "隔音" in told[1].message
    do(world, case, "callback", "operator", satisfaction="满意")
    assert case.satisfaction == "满意"


def test_leaving_handling_withdraws_pending_requests(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from tests.cases.test_pages import login

    case = report(world, "stall")
    do(world, case, "request_extension", "handler_cg", extension="2wd", note="需等待配件到货XYZ")
    login(client, world, "dispatcher")
    assert "需等待配件到货XYZ" in client.get("/exceptions").text
    do(world, case, "report_back", "handler_cg", note="已处置完毕")
    world.session.expire_all()
    request = world.session.scalar(
        select(PendingRequest).where(PendingRequest.subject_id == case.id)
    )
    assert request.status == "withdrawn" and request.decided_at is not None
    assert service.pending_exception(world.session, case) is None
    note = world.session.scalar(
        select(TimelineEvent).where(
            TimelineEvent.subject_id == case.id, TimelineEvent.action == "withdraw_exception"
        )
    )
    assert note is not None and "延期" in note.note
    assert "需等待配件到货XYZ" not in client.get("/exceptions").text
    assert "decide_exception" not in {a.name for a in allowed_actions(case, world.p("dispatcher"))}


def test_dispatch_rework_and_reopen_reach_the_department_inbox(world: World) -> None:
    hw, cg = world.depts["HW"].id, world.depts["CG"].id
    case = report(world, "garbage", who="citizen")
    do(world, case, "verify", "inspector")
    do(world, case, "file", "chief")
    do(world, case, "dispatch", "dispatcher", department_code="HW", helper_codes=["CG"])
    assert [n.kind for n in _notes(world, department_id=hw)] == ["dispatched"]
    assert [n.kind for n in _notes(world, department_id=cg)] == ["assist"]
    do(world, case, "report_back", "handler", note="已清运")
    do(world, case, "recheck_fail", "inspector", note="仍有残留")
    rework = _notes(world, department_id=hw)[-1]
    assert rework.kind == "rework" and "仍有残留" in rework.message
    do(world, case, "report_back", "handler", note="已彻底清运")
    do(world, case, "recheck_pass", "inspector")
    do(world, case, "close", "chief")
    do(world, case, "callback", "operator", satisfaction="不满意")
    do(world, case, "reopen", "chief", note="群众反映仍未清理")
    reopen = _notes(world, department_id=hw)[-1]
    assert reopen.kind == "reopen" and case.case_no in reopen.message


def test_street_office_sees_its_street_but_acts_only_on_its_own_cases(world: World) -> None:
    office = DepartmentFactory(code=f"jiedao-{world.street.code}", name="测试街道办事处")
    office.area_id = world.street.id
    world.users["street"] = UserFactory(roles=["handler"], department=office, areas=[world.street])
    world.session.commit()
    others = report(world, "stall")  # in the street, dispatched to 城管 by the catalogue
    assert others.lead_department_id == world.depts["CG"].id
    assert service.get_case(world.session, others.id, world.p("street")).id == others.id  # 属地
    assert allowed_actions(others, world.p("street")) == []
    for name, extra in (
        ("report_back", {}),
        ("request_extension", {"extension": "1wd"}),
        ("request_return", {}),
        ("request_park", {}),
        ("object", {}),
    ):
        err = refused(world, others, name, "street", 403, **extra)
        assert "不是派给本部门" in err.message

    own = report(world, "garbage")
    do(world, own, "verify", "inspector")
    do(world, own, "file", "chief")
    do(world, own, "dispatch", "dispatcher", department_code=office.code)
    assert "report_back" in {a.name for a in allowed_actions(own, world.p("street"))}
    do(world, own, "request_extension", "street", extension="1wd", note="需协调物业")
    do(world, own, "report_back", "street", note="已协调物业清理")
    assert own.status == Status.PENDING_RECHECK


def test_decide_button_only_while_a_request_waits(world: World) -> None:
    case = report(world, "stall")  # dispatched to 城管 at once

    def names() -> set[str]:
        waiting = service.pending_exception(world.session, case) is not None
        actions = service.available_actions(case, world.p("dispatcher"), request_waiting=waiting)
        return {a.name for a in actions}

    assert "decide_exception" not in names()
    do(world, case, "request_extension", "handler_cg", extension="1wd", note="需调车")
    assert "decide_exception" in names()
    request = service.pending_exception(world.session, case)
    do(world, case, "decide_exception", "dispatcher", exception_id=request.id, approve=True)
    assert "decide_exception" not in names()


def test_reopen_reaches_merged_cases_and_merge_audit_names_the_master(world: World) -> None:
    import json

    from smartgov.auth.models import AuditEntry

    master = report(world, "noise", who="citizen")
    dup = report(world, "garbage", who="citizen2")  # still waiting for verification
    do(world, dup, "merge", "chief", master_case_id=master.id)
    line = world.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "case.merge", AuditEntry.object_id == str(dup.id))
    )
    assert json.loads(line.detail)["master_case_id"] == master.id
    do(world, master, "report_back", "handler_cg", note="已劝导")
    do(world, master, "callback", "operator", satisfaction="不满意", note="仍有噪声")
    do(world, master, "reopen", "chief", note="重办")
    world.session.refresh(dup)
    assert dup.closed_at is None
    reopened = world.session.scalars(
        select(TimelineEvent).where(TimelineEvent.subject_id == dup.id, TimelineEvent.action == "reopen")
    ).all()
    assert len(reopened) == 1 and master.case_no in reopened[0].note
