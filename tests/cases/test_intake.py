"""The one intake function: what a new report writes, and the catalogue snapshot it reads."""

from __future__ import annotations

import time

from sqlalchemy import func, select, text

from smartgov import jobs
from smartgov.auth.models import AuditEntry
from smartgov.cases import service
from smartgov.cases.catalogue import directory
from smartgov.cases.models import Case, CaseReporter
from smartgov.cases.schemas import CaseIntake, Source
from smartgov.workclock.models import WorkTimer
from smartgov.workflow.models import TimelineEvent
from tests.cases.conftest import World
from tests.factories import hotline


def hotline_order(world: World, request_type: str, category: str | None = "garbage") -> Case:
    return hotline(world, "小区门口垃圾无人清理", category, request_type=request_type, grid=0, run_jobs=False,
                   client_addr="10.0.0.8", reporter_phone="13900001111", reporter_name="张先生")


def test_intake_writes_every_row_of_a_new_case(world: World) -> None:
    case = hotline_order(world, "complaint")
    s = world.session
    assert case.case_no == f"{case.reported_at.astimezone():%Y%m%d}{case.id:08d}" or case.case_no.endswith(
        f"{case.id:08d}"
    )
    stored = s.execute(select(Case.case_no, Case.status, Case.due_at).where(Case.id == case.id)).one()
    assert stored.case_no == case.case_no and stored.status == "pending_file"
    assert stored.due_at == case.due_at is not None
    assert case.expected_at is not None and case.expected_at > case.reported_at
    reporter = s.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)).one()
    assert (reporter.phone, reporter.name, reporter.source) == ("13900001111", "张先生", "hotline")
    event = s.scalars(select(TimelineEvent).where(TimelineEvent.subject_id == case.id)).one()
    assert event.action == "collect" and event.actor_name == world.users["operator"].display_name
    clock = s.scalars(select(WorkTimer).where(WorkTimer.subject_id == case.id)).one()
    assert clock.stage == "file" and clock.ended_at is None and clock.due_at == case.due_at
    audit_line = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.intake")).one()
    assert audit_line.object_id == str(case.id) and audit_line.client_addr == "10.0.0.8"
    # the returned case is an ordinary object of the session: later actions use and version it
    assert case in s and case.version == 1 and case.helpers == []


def test_request_type_without_callback_is_not_called_back(world: World) -> None:
    """诉求类型 says whether a 回访 is due: 咨询 needs none, 投诉 does."""
    assert hotline_order(world, "consult").needs_callback is False
    assert hotline_order(world, "complaint").needs_callback is True


def test_case_numbers_follow_the_ids(world: World) -> None:
    first, second = hotline_order(world, "complaint"), hotline_order(world, "complaint")
    assert first.case_no != second.case_no
    assert int(second.case_no[-8:]) - int(first.case_no[-8:]) == second.id - first.id


def test_catalogue_edit_in_this_process_is_seen_by_the_next_report(world: World) -> None:
    hotline_order(world, "complaint")  # fills the snapshot
    world.cats["garbage"].file_limit = "3wd"
    world.session.commit()
    case = hotline_order(world, "complaint")
    clock = world.session.scalars(select(WorkTimer).where(WorkTimer.subject_id == case.id)).one()
    assert clock.limit_text == "3wd"


def test_catalogue_edit_by_another_process_is_seen_after_the_refresh(world: World, monkeypatch) -> None:
    hotline_order(world, "complaint")
    with world.session.get_bind().connect() as conn:  # a plain write, as another process makes
        conn.execute(text("UPDATE case_category SET file_limit = '5wd' WHERE code = '1101'"))
        conn.commit()
    stale = hotline_order(world, "complaint")
    assert _limit_of(world, stale) == "1wh"  # within REFRESH_S the snapshot is kept
    monkeypatch.setattr(directory, "REFRESH_S", 0.0)
    time.sleep(0.01)
    fresh = hotline_order(world, "complaint")
    assert _limit_of(world, fresh) == "5wd"


def test_unknown_or_major_class_is_refused_and_nothing_written(world: World) -> None:
    before = world.session.scalar(select(func.count()).select_from(Case))
    for code, expected in (("9999", "unknown_category"), ("11", "major_category")):
        try:
            service.intake(
                world.session,
                CaseIntake(source=Source.PORTAL, category_code=code, description="测试",
                           lon=world.point(0)[0], lat=world.point(0)[1], reporter_phone="13900001111"),
                principal=world.p("citizen"),
            )
        except service.ValidationFailed as exc:
            assert exc.code == expected
        else:
            raise AssertionError("accepted a bad class")
    world.session.rollback()
    assert world.session.scalar(select(func.count()).select_from(Case)) == before


def test_routing_after_intake_skips_classes_a_person_files(world: World) -> None:
    """Only directly dispatched classes and unclassified texts are routed after the commit."""
    case = hotline_order(world, "complaint")  # 暴露垃圾 is not 直派
    jobs.run_pending()  # the follow-up the intake queued
    world.session.expire_all()
    assert world.session.get(Case, case.id).status == "pending_file"
    direct = hotline_order(world, "complaint", category="stall")
    jobs.run_pending()  # the follow-up the intake queued
    world.session.expire_all()
    routed = world.session.get(Case, direct.id)
    assert routed.status == "handling" and routed.auto_dispatched


def _limit_of(world: World, case: Case) -> str:
    return world.session.scalars(select(WorkTimer.limit_text).where(WorkTimer.subject_id == case.id)).one()


def _event(source: Source, ref: str) -> CaseIntake:
    return CaseIntake(source=source, category_code="1101", description="告警：小区垃圾满溢", lon=120.171,
                      lat=30.281, source_ref=ref)


def test_one_case_per_sensor_alarm_or_opinion_alert_reference(world: World) -> None:
    """A follow-up job retried after a crash files the same alarm again: it gets the case back."""
    chief = world.p("chief")
    for source in (Source.SENSOR, Source.OPINION):
        first = service.intake(world.session, _event(source, "alarm-7"), principal=chief)
        again = service.intake(world.session, _event(source, "alarm-7"), principal=chief)
        other = service.intake(world.session, _event(source, "alarm-8"), principal=chief)
        assert again.id == first.id and other.id != first.id
    count = world.session.scalar(select(func.count()).select_from(Case).where(Case.source_ref == "alarm-7"))
    assert count == 2  # one sensor case, one opinion case: the reference is the channel's own


def test_other_channels_file_every_report_whatever_their_reference(world: World) -> None:
    """An Open311 reference is the reporting account, a 交办文号 may cover several problems."""
    chief = world.p("chief")
    for source in (Source.SUPERIOR, Source.OPEN311):
        first = service.intake(world.session, _event(source, "ref-1"), principal=chief)
        again = service.intake(world.session, _event(source, "ref-1"), principal=chief)
        assert again.id != first.id
