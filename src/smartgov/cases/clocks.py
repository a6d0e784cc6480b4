"""Stage clocks of a case on the working calendar (时限): start, pause, extend, stop, warn."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from smartgov.cases import directory
from smartgov.cases.models import Case, StageClock
from smartgov.config import get_settings
from smartgov.workclock.service import (
    CalendarUnknownYear,
    TimeLimit,
    WorkClock,
    get_calendar,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

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


def open_clock(session: Session, case: Case) -> StageClock | None:
    return session.scalars(
        select(StageClock)
        .where(StageClock.case_id == case.id, StageClock.ended_at.is_(None))
        .order_by(StageClock.id.desc())
        .limit(1)
    ).first()


def _apply(clock: StageClock, operation: Callable[[WorkClock], T]) -> tuple[WorkClock, T]:
    """Run ``operation`` on the clock; if the calendar lacks a year it needs, go on with a
    provisional Monday–Friday calendar, which the clock then keeps (a case is never blocked)."""
    try:
        work = WorkClock.from_dict(clock.state, calendar=get_calendar())
        return work, operation(work)
    except CalendarUnknownYear as exc:
        log.warning("case %s: provisional clock (%s)", clock.case_id, exc.message)
        clock.state = {**clock.state, "provisional": True}  # kept from now on (暂定)
        work = WorkClock.from_dict(clock.state, calendar=get_calendar())
        return work, operation(work)


def _save(clock: StageClock, work: WorkClock) -> None:
    clock.state = work.to_dict()


def new_work_clock(at: datetime, limit_text: str) -> WorkClock:
    """Start a clock; when the calendar lacks a year the limit reaches into, count Monday–Friday
    provisionally instead of refusing the case (the report must never be lost)."""
    limit = TimeLimit.parse(limit_text)
    try:
        work = WorkClock.start(at=at, limit=limit, calendar=get_calendar())
        work.due_at()
        return work
    except CalendarUnknownYear as exc:
        log.warning("provisional due time: %s", exc.message)
        return WorkClock.start(at=at, limit=limit, calendar=get_calendar().provisional_copy())


def start_stage(
    session: Session, case: Case, stage: str, at: datetime, *, department_id: int | None = None,
    actor_id: int | None = None,
) -> StageClock:
    """End whatever clock runs and start the clock of ``stage`` (the case's due time follows)."""
    stop_stage(session, case, at)
    clock = StageClock(**clock_values(session, case, stage, at), department_id=department_id,
                       actor_id=actor_id)
    session.add(clock)
    case.due_at = clock.due_at
    clear_warning(case)
    return clock


def clock_values(session: Session, case: Case, stage: str, at: datetime) -> dict:
    """The row of a new clock of ``stage`` started at ``at`` (its ``case_id`` is the case's)."""
    limit_text = stage_limit(session, case, stage)
    work = new_work_clock(at, limit_text)
    return {
        "case_id": case.id,
        "stage": stage,
        "limit_text": limit_text,
        "started_at": at,
        "due_at": work.due_at(),
        "state": work.to_dict(),
    }


def clear_warning(case: Case) -> None:
    """A new or extended stage starts with no warning. Written even when the case was loaded
    with 0: the sweeper raises levels with plain UPDATEs that do not change the version, so the
    loaded value may be stale, and a skipped column would leave the old stage's 已超期 behind."""
    case.warning_level = 0
    flag_modified(case, "warning_level")


def stop_stage(session: Session, case: Case, at: datetime) -> StageClock | None:
    """Stop the running clock and record whether the stage finished on time (按时)."""
    clock = open_clock(session, case)
    if clock is None:
        return None
    work, overdue = _apply(clock, lambda w: (w.stop(at), w.is_overdue(at))[1])
    _save(clock, work)
    clock.ended_at = at
    clock.on_time = not overdue
    clock.paused = False
    case.due_at = None
    clear_warning(case)
    return clock


def pause_stage(session: Session, case: Case, at: datetime, reason: str) -> None:
    """挂账: the clock stops; the due time moves while paused."""
    clock = open_clock(session, case)
    if clock is None or clock.paused:
        return
    work, _ = _apply(clock, lambda w: w.pause(at, reason))
    _save(clock, work)
    clock.paused = True
    case.due_at = None


def resume_stage(session: Session, case: Case, at: datetime) -> None:
    clock = open_clock(session, case)
    if clock is None or not clock.paused:
        return
    work, due = _apply(clock, lambda w: (w.resume(at), w.due_at())[1])
    _save(clock, work)
    clock.paused = False
    clock.due_at = due
    case.due_at = clock.due_at


def extend_stage(session: Session, case: Case, extension: str) -> datetime | None:
    """An approved extension (延期) adds time to the running clock."""
    clock = open_clock(session, case)
    if clock is None:
        return None
    limit = TimeLimit.parse(extension)
    work, due = _apply(clock, lambda w: (w.extend(limit), w.due_at())[1])
    _save(clock, work)
    clock.due_at = due
    case.due_at = clock.due_at
    clear_warning(case)
    return clock.due_at


def warning_fractions() -> tuple[float, ...]:
    raw = get_settings().sla_warning_fractions
    return tuple(sorted(float(x) for x in raw.split(",") if x.strip()))


def warning_level_at(clock: StageClock, at: datetime) -> int:
    """0 none, 1..n for each warning fraction passed, n+1 overdue (超期)."""
    if clock.paused:
        return clock.warning_level
    _, fraction = _apply(clock, lambda w: w.fraction_used(at))
    fractions = warning_fractions()
    if fraction >= 1.0:
        return len(fractions) + 1
    return sum(1 for f in fractions if fraction >= f)


def handling_due(session: Session, case: Case, at: datetime) -> datetime | None:
    """When handling would end if it started at ``at`` (the estimate a new report shows)."""
    work = new_work_clock(at, stage_limit(session, case, "handle"))
    return work.due_at()
