"""Stage timers of a case (时限) on the platform's work timers: which limit each stage runs on,
and the due time and warning level the case mirrors for its queues."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from smartgov.cases.catalogue import directory
from smartgov.cases.models import SUBJECT, Case
from smartgov.config import get_settings
from smartgov.db import now
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer
from smartgov.workflow import engine

# The catalogue limit each stage runs on ("close" is counted like filing: 结案时限 = 立案时限).
STAGE_LIMIT_OF = {
    "verify": "verify",
    "file": "file",
    "dispatch": "dispatch",
    "handle": "handle",
    "recheck": "recheck",
    "close": "file",
}


def stage_limit(session: Session, case: Case, stage: str) -> str:
    """The limit of ``stage`` for this case: the category's, else the 12345 request type's."""
    settings = get_settings()
    if stage == "callback":
        return settings.callback_limit
    catalogue = directory.current(session)
    category = catalogue.categories.get(case.category_id) if case.category_id else None
    if stage == "handle" and case.request_type and category is None:
        request_type = catalogue.request_types.get(case.request_type)
        if request_type is not None:
            return request_type[0]
    if category is not None:
        return category.limits[STAGE_LIMIT_OF[stage]]
    return settings.default_handle_limit if stage == "handle" else "1wd"


def open_clock(session: Session, case: Case) -> WorkTimer | None:
    """The stage timer running (or paused) on the case."""
    return timers.open_timer(session, SUBJECT, case.id)


def clock_values(session: Session, case: Case, stage: str, at: datetime) -> dict:
    """The row of a new timer of ``stage`` started at ``at``."""
    return timers.timer_values(SUBJECT, case.id, stage, stage_limit(session, case, stage), at)


def clear_warning(case: Case) -> None:
    """A new or extended stage starts with no warning. Written even when the case was loaded
    with 0: the sweeper raises levels with plain UPDATEs that do not change the version, so the
    loaded value may be stale, and a skipped column would leave the old stage's 已超期 behind."""
    case.warning_level = 0
    flag_modified(case, "warning_level")


class CaseTimers:
    """The timer policy of cases: the handling timer belongs to the lead department."""

    def timer_values(self, session: Session, subject: Case, stage: str, at: datetime) -> dict:
        return clock_values(session, subject, stage, at)  # looked up at call time (tests wrap it)

    def department_id(self, subject: Case, stage: str) -> int | None:
        return subject.lead_department_id if stage == "handle" else None

    def mirror(self, subject: Case, timer: WorkTimer | None) -> None:
        subject.due_at = timer.due_at if timer is not None else None
        clear_warning(subject)


engine.register_timer_policy(SUBJECT, CaseTimers())


def pause_stage(session: Session, case: Case, at: datetime, reason: str) -> None:
    """挂账: the clock stops; the due time moves while paused."""
    timer = open_clock(session, case)
    if timer is None or timer.paused:
        return
    timers.pause(timer, at, reason)
    case.due_at = None


def resume_stage(session: Session, case: Case, at: datetime) -> None:
    """恢复处置: the paused clock runs again from where it stopped."""
    timer = open_clock(session, case)
    if timer is None or not timer.paused:
        return
    timers.resume(timer, at)
    case.due_at = timer.due_at


def extend_stage(session: Session, case: Case, extension: str) -> datetime | None:
    """An approved extension (延期) adds time to the running clock."""
    timer = open_clock(session, case)
    if timer is None:
        return None
    case.due_at = timers.extend(timer, extension)
    clear_warning(case)
    return case.due_at


def handling_due(session: Session, case: Case, at: datetime) -> datetime | None:
    """When handling would end if it started at ``at`` (the estimate a new report shows)."""
    return timers.due_if_started(at, stage_limit(session, case, "handle"))


def clock_level(timer: WorkTimer | None, at: datetime | None = None) -> dict[str, str] | None:
    """What the case page shows beside a running timer: 已超期, 预警, or nothing."""
    if timer is None or timer.paused:
        return None
    level = timers.warning_level_at(timer, at or now())
    if level >= timers.overdue_level():
        return {"label": "已超期", "style": "overdue"}
    return {"label": "预警", "style": "warn"} if level else None
