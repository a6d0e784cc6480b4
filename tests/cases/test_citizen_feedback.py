"""群众评价: the reporter confirms the fix or says it is not fixed and rates it, once per closing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

import smartgov.cases.jobs  # noqa: F401  (registers cases.route_new_case, as domains.JOB_MODULES does)
from smartgov import inbox
from smartgov.auth.models import AuditEntry
from smartgov.auth.principal import ANONYMOUS
from smartgov.cases import clocks, service
from smartgov.cases.models import Case, CitizenFeedback
from smartgov.cases.schemas import ActionInput, CitizenFeedbackIn, Source
from smartgov.db import now
from smartgov.errors import AppError
from smartgov.inbox.models import Notification
from smartgov.workflow.models import TimelineEvent
from tests.cases.conftest import World
from tests.factories import UserFactory, hotline, report, using

PHONE = "13912345678"  # what report() leaves; its last 4 digits are 5678


def handled(world: World, who: str | None = "citizen", **fields) -> Case:
    """A portal report of noise (dispatched at once to 城管) that the department has handled: it
    waits for its callback (待回访)."""
    case = report(world, "noise", who=who, **fields)
    assert case.status == "handling"
    service.act(world.session, case.id, "report_back", ActionInput(note="已上门劝导"),
                principal=world.p("handler_cg"))
    world.session.expire_all()
    case = world.session.get(Case, case.id)
    assert case.status == "pending_callback"
    return case


def rate(world: World, case: Case, who: str | None = "citizen", at: datetime | None = None,
         **fields) -> CitizenFeedback:
    data = {"resolved": True, "satisfaction": "满意"} | fields
    return service.citizen_feedback(world.session, case.tracking_code, CitizenFeedbackIn(**data),
                                    principal=world.p(who) if who else ANONYMOUS, at=at)


def refused(world: World, case: Case, status: int, who: str | None = "citizen", **fields) -> AppError:
    with pytest.raises(AppError) as info:
        rate(world, case, who, **fields)
    assert info.value.status_code == status, info.value.message
    world.session.rollback()
    return info.value


def feedback_rows(world: World) -> list[CitizenFeedback]:
    return list(world.session.scalars(select(CitizenFeedback)))


def test_logged_in_reporter_rates_and_that_answers_the_callback(world: World) -> None:
    case = handled(world)
    row = rate(world, case, comment="  音乐已经停了  ")
    world.session.expire_all()
    case = world.session.get(Case, case.id)
    assert case.status == "closed" and case.satisfaction == "满意"
    assert clocks.open_clock(world.session, case) is None  # the callback clock stopped
    assert (row.case_id, row.reported_case_id, row.closing) == (case.id, case.id, 0)
    assert (row.resolved, row.proof, row.comment) == (True, "account", "音乐已经停了")
    assert row.by_user_id == world.users["citizen"].id
    event = world.session.scalars(
        select(TimelineEvent).where(TimelineEvent.action == "citizen_feedback")).one()
    assert (event.subject_id, event.from_state, event.to_state) == (case.id, "pending_callback", "closed")
    assert event.note == "确认已解决，满意：音乐已经停了"
    assert event.actor_name == world.users["citizen"].display_name
    entry = world.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.citizen_feedback")).one()
    assert entry.object_id == str(case.id) and entry.result == "success"
    assert entry.actor_id == world.users["citizen"].id


def test_rating_a_case_already_called_back_keeps_it_closed_with_the_citizens_word(world: World) -> None:
    case = handled(world)
    service.act(world.session, case.id, "callback", ActionInput(satisfaction="满意"),
                principal=world.p("operator"))
    rate(world, case, resolved=False, satisfaction="不满意")
    world.session.expire_all()
    case = world.session.get(Case, case.id)
    assert case.status == "closed" and case.satisfaction == "不满意"


def test_anonymous_reporter_proves_with_the_last_four_digits(world: World) -> None:
    case = handled(world, who=None)
    assert refused(world, case, 422, who=None).code == "phone_tail_required"
    assert refused(world, case, 403, who=None, phone_tail="5679").code == "phone_tail_mismatch"
    assert refused(world, case, 403, who=None, phone_tail="56781").code == "phone_tail_mismatch"
    assert feedback_rows(world) == []
    assert world.session.get(Case, case.id).status == "pending_callback"  # nothing accepted
    denied = world.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.citizen_feedback", AuditEntry.result == "denied")).all()
    assert len(denied) == 2
    row = rate(world, case, who=None, phone_tail="5678")
    assert row.proof == "phone" and row.by_user_id is None
    event = world.session.scalars(
        select(TimelineEvent).where(TimelineEvent.action == "citizen_feedback")).one()
    assert event.actor_name == "报事人（凭查询码）"


def test_someone_else_logged_in_needs_the_digits_too(world: World) -> None:
    case = handled(world)
    assert refused(world, case, 422, who="citizen2").code == "phone_tail_required"
    assert rate(world, case, who="citizen2", phone_tail="5678").proof == "phone"


def test_a_report_without_a_phone_is_rated_only_from_the_reporters_account(world: World) -> None:
    with using(world.session):
        phoneless = UserFactory(roles=["citizen"], phone=None)
    world.session.commit()
    world.users["phoneless"] = phoneless
    case = handled(world, who="phoneless", reporter_phone=None)
    assert refused(world, case, 403, who=None, phone_tail="5678").code == "reporter_only"
    assert rate(world, case, who="phoneless").proof == "account"


def test_five_wrong_tails_within_the_hour_lock_the_case(world: World) -> None:
    case = handled(world, who=None)
    for _ in range(4):
        refused(world, case, 403, who=None, phone_tail="0000")
    assert rate(world, case, who=None, phone_tail="5678").proof == "phone"  # 4 wrong: still open

    other = handled(world, who=None)
    for _ in range(5):
        refused(world, other, 403, who=None, phone_tail="0000")
    assert refused(world, other, 403, who=None, phone_tail="5678").code == "too_many_attempts"


def test_wrong_tails_older_than_an_hour_do_not_count(world: World) -> None:
    case = handled(world, who=None)
    for _ in range(5):
        refused(world, case, 403, who=None, phone_tail="0000")
    later = now() + timedelta(hours=1, minutes=1)
    assert rate(world, case, who=None, at=later, phone_tail="5678").proof == "phone"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"resolved": None}, "resolved_required"),
        ({"satisfaction": None}, "satisfaction_required"),
        ({"satisfaction": "非常满意"}, "satisfaction_required"),
        ({"resolved": False, "satisfaction": "满意"}, "unresolved_needs_dissatisfied"),
        ({"resolved": False, "satisfaction": "基本满意"}, "unresolved_needs_dissatisfied"),
        ({"comment": "字" * 501}, "comment_too_long"),
    ],
)
def test_choices_are_checked_with_a_chinese_message(world: World, fields: dict, code: str) -> None:
    case = handled(world)
    error = refused(world, case, 422, **fields)
    assert error.code == code and any("\u4e00" <= c <= "\u9fff" for c in error.message)
    assert feedback_rows(world) == []


def test_comment_of_exactly_500_characters_is_kept(world: World) -> None:
    case = handled(world)
    assert rate(world, case, comment="字" * 500).comment == "字" * 500


def test_once_per_closing_and_again_after_reopening(world: World) -> None:
    case = handled(world)
    rate(world, case, resolved=False, satisfaction="不满意")
    assert refused(world, case, 409).code == "feedback_given"
    service.act(world.session, case.id, "reopen", ActionInput(note="群众反映仍有噪声"),
                principal=world.p("supervisor"))
    world.session.expire_all()
    assert refused(world, world.session.get(Case, case.id), 409).code == "feedback_not_open"
    service.act(world.session, case.id, "report_back", ActionInput(note="再次劝导并暂扣音响"),
                principal=world.p("handler_cg"))
    world.session.expire_all()
    second = rate(world, world.session.get(Case, case.id))
    assert second.closing == 1
    assert [r.closing for r in feedback_rows(world)] == [0, 1]


def test_only_a_handled_and_closed_case_is_rated(world: World) -> None:
    open_case = report(world, "noise")
    assert open_case.status == "handling"
    error = refused(world, open_case, 409)
    assert error.code == "feedback_not_open" and "办结后才能评价" in error.message
    waiting = report(world, "garbage")
    service.act(world.session, waiting.id, "verify_false", ActionInput(note="现场无垃圾"),
                principal=world.p("inspector"))
    world.session.expire_all()
    assert refused(world, world.session.get(Case, waiting.id), 409).code == "feedback_not_open"


def test_the_citizens_dissatisfaction_lets_the_supervisor_reopen(world: World) -> None:
    case = handled(world)
    service.act(world.session, case.id, "callback", ActionInput(satisfaction="满意"),
                principal=world.p("operator"))
    with pytest.raises(AppError) as before:
        service.act(world.session, case.id, "reopen", ActionInput(note="重办"),
                    principal=world.p("supervisor"))
    assert before.value.status_code == 403
    world.session.rollback()
    rate(world, world.session.get(Case, case.id), resolved=False, satisfaction="不满意")
    service.act(world.session, case.id, "reopen", ActionInput(note="群众评价不满意"),
                principal=world.p("supervisor"))
    world.session.expire_all()
    assert world.session.get(Case, case.id).status == "handling"


def supervisor_messages(world: World) -> list[Notification]:
    return list(world.session.scalars(
        select(Notification).where(Notification.kind == "citizen_unsatisfied")))


@pytest.mark.parametrize(
    ("resolved", "satisfaction", "flagged"),
    [
        (True, "满意", False),
        (True, "基本满意", False),
        (True, "不满意", True),
        (False, "不满意", True),
    ],
)
def test_dissatisfied_or_not_fixed_goes_to_the_supervisor_at_once(
    world: World, resolved: bool, satisfaction: str, flagged: bool
) -> None:
    case = handled(world)
    rate(world, case, resolved=resolved, satisfaction=satisfaction)
    messages = supervisor_messages(world)
    if not flagged:
        assert messages == []
        return
    assert [(m.user_id, m.subject_type, m.subject_id) for m in messages] == [
        (world.users["supervisor"].id, "case", case.id)]
    assert case.case_no in messages[0].message and satisfaction in messages[0].message
    assert inbox.kind_label("citizen_unsatisfied") == "群众不满意"
    assert inbox.subject_link("case", case.id) == f"/cases/{case.id}"


def test_a_supervisor_scoped_to_another_street_is_not_told(world: World) -> None:
    from tests.factories import AreaFactory, square

    with using(world.session):
        elsewhere = AreaFactory(level="street", code="330100002", name="别的街道", polygon=square(121, 31))
        far = UserFactory(roles=["supervisor"], department=world.depts["ZX"], areas=[elsewhere])
        near = UserFactory(roles=["supervisor"], department=world.depts["ZX"], areas=[world.street])
    world.session.commit()
    case = handled(world)
    rate(world, case, resolved=False, satisfaction="不满意")
    told = {m.user_id for m in supervisor_messages(world)}
    assert told == {world.users["supervisor"].id, near.id} and far.id not in told


# Channels whose reporter's 不满意 is flagged: 12345 and the online ones (written out here).
FLAGGED = {"portal", "api", "hotline", "open311", "petition"}


@pytest.mark.parametrize("source", list(Source))
def test_which_channels_are_flagged(source: Source) -> None:
    assert (source in service.FLAGGED_SOURCES) == (str(source) in FLAGGED)


def to_handled(world: World, case: Case) -> Case:
    """Filed and dispatched to 城管 (unless routing did it already), then handled (处置反馈)."""
    if world.session.get(Case, case.id).status != "handling":
        service.act(world.session, case.id, "file", ActionInput(), principal=world.p("chief"))
        service.act(world.session, case.id, "dispatch", ActionInput(department_code="CG"),
                    principal=world.p("dispatcher"))
    service.act(world.session, case.id, "report_back", ActionInput(note="已处理"),
                principal=world.p("handler_cg"))
    world.session.expire_all()
    return world.session.get(Case, case.id)


def test_a_hotline_order_rated_not_fixed_is_flagged(world: World) -> None:
    order = to_handled(world, hotline(world, "楼下酒吧噪声扰民", "noise", grid=0))
    assert order.status == "pending_callback"
    rate(world, order, who=None, resolved=False, satisfaction="不满意", phone_tail="0000")
    assert len(supervisor_messages(world)) == 1


def test_an_inspectors_own_report_is_not_flagged(world: World) -> None:
    case = to_handled(world, report(world, "noise", who="inspector", source=Source.INSPECTOR,
                                    reporter_phone=PHONE))
    assert case.status == "closed"  # no callback for an inspector's report
    rate(world, case, who=None, resolved=False, satisfaction="不满意", phone_tail="5678")
    assert supervisor_messages(world) == []


def test_a_merged_reporter_rates_the_case_that_handled_it(world: World) -> None:
    master = report(world, "garbage", description="小区门口垃圾堆放")
    child = report(world, "garbage", who="citizen2", description="小区门口垃圾又堆起来了")
    service.act(world.session, child.id, "merge", ActionInput(master_case_id=master.id),
                principal=world.p("chief"))
    for name, who, fields in (("verify", "inspector", {}), ("file", "chief", {}),
                              ("dispatch", "dispatcher", {"department_code": "HW"}),
                              ("report_back", "handler", {"note": "已清运"}),
                              ("recheck_pass", "inspector", {}), ("close", "chief", {})):
        service.act(world.session, master.id, name, ActionInput(**fields), principal=world.p(who))
    world.session.expire_all()
    child = world.session.get(Case, child.id)
    row = rate(world, child, who="citizen2", satisfaction="基本满意")
    assert (row.case_id, row.reported_case_id) == (master.id, child.id)
    world.session.expire_all()
    assert world.session.get(Case, master.id).satisfaction == "基本满意"
    assert rate(world, world.session.get(Case, master.id)).reported_case_id == master.id  # its own
