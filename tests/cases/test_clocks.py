"""Stage clocks: limits per class and request type, extension, and a year the calendar lacks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from smartgov.cases import clocks, service
from smartgov.cases.schemas import ActionInput
from smartgov.cases.workflow import Status
from smartgov.workclock.models import WorkTimer
from tests.cases.conftest import World
from tests.factories import hotline, report

SH = ZoneInfo("Asia/Shanghai")


def test_due_time_follows_the_working_calendar(world: World) -> None:
    """Reported on Wednesday 30 Sep 2026 16:00: verify limit 1wh ends 17:00 the same day."""
    at = datetime(2026, 9, 30, 16, 0, tzinfo=SH)
    case = report(world, "garbage", who=None, at=at, run_jobs=False, description="暴露垃圾",
                  reporter_phone="13900000000")
    assert case.status == Status.REPORTED
    assert case.due_at == datetime(2026, 9, 30, 17, 0, tzinfo=SH)
    # the handling limit of 暴露垃圾 is 4wh: expected completion after National Day
    assert case.expected_at == datetime(2026, 10, 8, 11, 0, tzinfo=SH)


def test_request_type_limit_when_no_class(world: World) -> None:
    """A hotline complaint without a class takes the 13wd limit of 投诉 for handling."""
    at = datetime(2026, 11, 2, 9, 0, tzinfo=SH)
    case = hotline(world, "小区物业不作为", at=at, run_jobs=False)
    assert clocks.stage_limit(world.session, case, "handle") == "13wd"
    assert case.expected_at == datetime(2026, 11, 19, 17, 30, tzinfo=SH)


def test_a_year_the_calendar_lacks_never_blocks_a_report(world: World) -> None:
    """Late December 2026: a 13wd limit runs into 2027, which the calendar does not know yet."""
    at = datetime(2026, 12, 28, 10, 0, tzinfo=SH)
    case = hotline(world, "供暖不热", at=at, run_jobs=False)
    assert case.id and case.expected_at is not None  # stored, with a provisional due time
    assert case.expected_at.year == 2027
    service.act(
        world.session,
        case.id,
        "file",
        ActionInput(category_code="1402"),
        principal=world.p("chief"),
        at=at + timedelta(minutes=5),
    )
    service.act(
        world.session,
        case.id,
        "dispatch",
        ActionInput(department_code="CG"),
        principal=world.p("dispatcher"),
        at=at + timedelta(minutes=10),
    )
    later = datetime(2027, 1, 5, 10, 0, tzinfo=SH)
    service.act(
        world.session,
        case.id,
        "report_back",
        ActionInput(note="已处理"),
        principal=world.p("handler_cg"),
        at=later,
    )
    handle = world.session.scalar(
        select(WorkTimer).where(WorkTimer.subject_id == case.id, WorkTimer.stage == "handle")
    )
    assert handle.ended_at == later and handle.state.get("provisional") is True
