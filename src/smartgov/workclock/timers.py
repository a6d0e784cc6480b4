"""Work timers of any subject (计时器): start, pause, resume, extend, stop, warning levels.

A subject may run several timers at once (one per department in a parallel approval); each
keeps its limit, its pauses and extensions as segments. Domains mirror what they need (a case's
due time) from the timer these functions return.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.workclock.models import WorkTimer
from smartgov.workclock.service import CalendarUnknownYear, TimeLimit, WorkClock, get_calendar

log = logging.getLogger(__name__)
T = TypeVar("T")


def open_timers(
    session: Session, subject_type: str, subject_id: int, *, stage: str | None = None
) -> list[WorkTimer]:
    """The timers of a subject that have not ended, oldest first."""
    query = select(WorkTimer).where(
        WorkTimer.subject_type == subject_type,
        WorkTimer.subject_id == subject_id,
        WorkTimer.ended_at.is_(None),
    )
    if stage is not None:
        query = query.where(WorkTimer.stage == stage)
    return list(session.scalars(query.order_by(WorkTimer.id)))


def open_timer(session: Session, subject_type: str, subject_id: int) -> WorkTimer | None:
    """The newest running or paused timer of a subject that runs one timer at a time."""
    return session.scalars(
        select(WorkTimer)
        .where(WorkTimer.subject_type == subject_type, WorkTimer.subject_id == subject_id,
               WorkTimer.ended_at.is_(None))
        .order_by(WorkTimer.id.desc())
        .limit(1)
    ).first()


def new_work_clock(at: datetime, limit_text: str) -> WorkClock:
    """Start a clock; when the calendar lacks a year the limit reaches into, count Monday–Friday
    provisionally (暂定) instead of refusing: the subject must never be blocked."""
    limit = TimeLimit.parse(limit_text)
    try:
        work = WorkClock.start(at=at, limit=limit, calendar=get_calendar())
        work.due_at()
        return work
    except CalendarUnknownYear as exc:
        log.warning("provisional due time: %s", exc.message)
        return WorkClock.start(at=at, limit=limit, calendar=get_calendar().provisional_copy())


def timer_values(
    subject_type: str, subject_id: int, stage: str, limit_text: str, at: datetime
) -> dict:
    """The row of a new timer of ``stage`` started at ``at`` (for bulk inserts)."""
    work = new_work_clock(at, limit_text)
    return {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "stage": stage,
        "limit_text": limit_text,
        "started_at": at,
        "due_at": work.due_at(),
        "state": work.to_dict(),
    }


def start(
    session: Session, subject_type: str, subject_id: int, stage: str, limit_text: str, at: datetime,
    *, department_id: int | None = None, actor_id: int | None = None,
) -> WorkTimer:
    """Start a timer of ``stage`` with its limit (开始计时)."""
    timer = WorkTimer(**timer_values(subject_type, subject_id, stage, limit_text, at),
                      department_id=department_id, actor_id=actor_id)
    session.add(timer)
    return timer


def _apply(timer: WorkTimer, operation: Callable[[WorkClock], T], *, store: bool = True) -> T:
    """Run ``operation`` on the timer's clock and (with ``store``) keep the clock it leaves; if the
    calendar lacks a year it needs, go on with a provisional Monday–Friday calendar, which the
    timer then keeps."""
    try:
        work = WorkClock.from_dict(timer.state, calendar=get_calendar())
        result = operation(work)
    except CalendarUnknownYear as exc:
        log.warning("%s %s: provisional timer (%s)", timer.subject_type, timer.subject_id, exc.message)
        timer.state = {**timer.state, "provisional": True}  # kept from now on (暂定)
        work = WorkClock.from_dict(timer.state, calendar=get_calendar())
        result = operation(work)
    if store:
        timer.state = work.to_dict()
    return result


def stop(timer: WorkTimer, at: datetime) -> WorkTimer:
    """Stop a timer and record whether it finished on time (按时)."""
    overdue = _apply(timer, lambda w: (w.stop(at), w.is_overdue(at))[1])
    timer.ended_at = at
    timer.on_time = not overdue
    timer.paused = False
    return timer


def pause(timer: WorkTimer, at: datetime, reason: str) -> None:
    """Pause (暂停计时, e.g. 挂账 or 补正): the due time moves while paused."""
    if timer.paused:
        return
    _apply(timer, lambda w: w.pause(at, reason))
    timer.paused = True


def resume(timer: WorkTimer, at: datetime) -> None:
    """Resume a paused timer; its due time is pushed back by the pause."""
    if not timer.paused:
        return
    timer.due_at = _apply(timer, lambda w: (w.resume(at), w.due_at())[1])
    timer.paused = False


def extend(timer: WorkTimer, extension: str) -> datetime | None:
    """An approved extension (延期) adds time; the warning level starts again."""
    limit = TimeLimit.parse(extension)
    timer.due_at = _apply(timer, lambda w: (w.extend(limit), w.due_at())[1])
    timer.warning_level = 0
    return timer.due_at


def warning_fractions() -> tuple[float, ...]:
    """The shares of a limit at which a warning is raised (预警比例), e.g. 0.6 and 0.8."""
    raw = get_settings().sla_warning_fractions
    return tuple(sorted(float(x) for x in raw.split(",") if x.strip()))


def overdue_level() -> int:
    """The level of an overdue timer (超期): one above the last warning."""
    return len(warning_fractions()) + 1


def warning_level_at(timer: WorkTimer, at: datetime) -> int:
    """0 none, 1..n for each warning fraction passed, n+1 overdue (超期)."""
    if timer.paused:
        return timer.warning_level
    fraction = _apply(timer, lambda w: w.fraction_used(at), store=False)
    fractions = warning_fractions()
    if fraction >= 1.0:
        return len(fractions) + 1
    return sum(1 for f in fractions if fraction >= f)


def due_if_started(at: datetime, limit_text: str) -> datetime | None:
    """When a timer of ``limit_text`` started at ``at`` would be due (an estimate to show)."""
    return new_work_clock(at, limit_text).due_at()
