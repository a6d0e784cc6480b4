"""Every workflow action and guard of the seven-step flow, through the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smartgov.auth.principal import ANONYMOUS
from smartgov.cases import flows, service
from smartgov.cases.models import Case, CaseReporter, ExceptionRequest, Notification, StageClock
from smartgov.cases.schemas import ActionInput, CaseIntake, Source
from smartgov.cases.workflow import ACTIONS, Status, allowed_actions
from smartgov.db import now, session_factory
from smartgov.errors import AppError
from tests.cases.conftest import World


def report(
    world: World,
    category: str = "garbage",
    grid: int = 0,
    who: str | None = "citizen",
    source: Source = Source.PORTAL,
    description_override: str | None = None,
    **extra,
) -> Case:
    lon, lat = world.point(grid)
    principal = world.p(who) if who else ANONYMOUS
    data = CaseIntake(
        source=source,
        category_code=world.cats[category].code if category else None,
        description=description_override or "小区门口垃圾堆放多日无人清理",
        lon=lon,
        lat=lat,
        reporter_phone="13912345678",
        **extra,
    )
    case = service.intake(world.session, data, principal=principal)
    flows.after_intake(session_factory(), case.id)
    world.session.expire_all()
    return world.session.get(Case, case.id)


def do(world: World, case: Case, name: str, who: str, **fields) -> Case:
    fields.setdefault("note", "处理说明")
    return service.act(world.session, case.id, name, ActionInput(**fields), principal=world.p(who))


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
        select(ExceptionRequest).where(ExceptionRequest.case_id == case.id)
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
        select(StageClock).where(StageClock.case_id == case.id, StageClock.stage == "handle")
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
        select(ExceptionRequest).where(ExceptionRequest.case_id == case.id)
    )
    refused(world, case, "decide_exception", "dispatcher", 422, exception_id=pending.id)
    do(world, case, "decide_exception", "dispatcher", exception_id=pending.id, approve=True)
    assert case.status == Status.PENDING_DISPATCH and case.lead_department_id is None
    assert case.return_count == 1


def test_objection_refused_keeps_department(world: World) -> None:
    case = report(world, "stall")
    do(world, case, "object", "handler_cg", note="应由市场监管处理")
    pending = world.session.scalar(
        select(ExceptionRequest).where(ExceptionRequest.case_id == case.id)
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
        select(ExceptionRequest).where(ExceptionRequest.case_id == case.id)
    )
    do(world, case, "decide_exception", "dispatcher", exception_id=pending.id, approve=True)
    assert case.status == Status.PARKED and case.due_at is None
    clock = world.session.scalar(
        select(StageClock).where(StageClock.case_id == case.id, StageClock.ended_at.is_(None))
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
        for n in world.session.scalars(select(Notification).where(Notification.case_id == case.id))
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
    for name, who, extra in (
        ("verify", "inspector", {}),
        ("file", "chief", {}),
        ("dispatch", "dispatcher", {"department_code": "HW"}),
        ("report_back", "handler", {}),
        ("recheck_pass", "inspector", {}),
        ("close", "chief", {}),
    ):
        do(world, master, name, who, **extra)
    world.session.refresh(dup)
    assert dup.closed_at is not None and dup.result_note == master.result_note
    told = world.session.scalars(
        select(Notification).where(Notification.kind == "case_closed")
    ).all()
    assert {n.user_id for n in told} == {world.users["citizen"].id, world.users["citizen2"].id}


def test_merge_refuses_closed_master(world: World) -> None:
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
