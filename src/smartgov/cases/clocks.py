"""Stage clocks of a case on the working calendar (时限): start, pause, extend, stop, warn."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.cases.models import Case, Category, RequestType, StageClock
from smartgov.config import get_settings
from smartgov.workclock.service import TimeLimit, WorkClock, get_calendar

STAGE_LIMIT_FIELD = {"verify": "verify_limit", "file": "file_limit", "dispatch": "dispatch_limit",
                     "handle": "handle_limit", "recheck": "recheck_limit", "close": "file_limit"}


def stage_limit(session: Session, case: Case, stage: str) -> str:
    """The limit of ``stage`` for this case: the category's, else the 12345 request type's."""
    settings = get_settings()
    if stage == "callback":
        return settings.callback_limit
    category = session.get(Category, case.category_id) if case.category_id else None
    if stage == "handle" and case.request_type and category is None:
        rtype = session.get(RequestType, case.request_type)
        if rtype is not None:
            return rtype.handle_limit
    if category is not None:
        return getattr(category, STAGE_LIMIT_FIELD[stage])
    return settings.default_handle_limit if stage == "handle" else "1wd"


def open_clock(session: Session, case: Case) -> StageClock | None:
    return session.scalars(
        select(StageClock).where(StageClock.case_id == case.id, StageClock.ended_at.is_(None))
        .order_by(StageClock.id.desc()).limit(1)
    ).first()


def _work_clock(clock: StageClock) -> WorkClock:
    return WorkClock.from_dict(clock.state, calendar=get_calendar())


def start_stage(session: Session, case: Case, stage: str, at: datetime,
                department_id: int | None = None, actor_id: int | None = None) -> StageClock:
    """End whatever clock runs and start the clock of ``stage`` (the case's due time follows)."""
    stop_stage(session, case, at)
    limit_text = stage_limit(session, case, stage)
    work = WorkClock.start(at=at, limit=TimeLimit.parse(limit_text), calendar=get_calendar())
    clock = StageClock(case_id=case.id, stage=stage, limit_text=limit_text, started_at=at,
                       due_at=work.due_at(), state=work.to_dict(), department_id=department_id,
                       actor_id=actor_id)
    session.add(clock)
    case.due_at = clock.due_at
    case.warning_level = 0
    return clock


def stop_stage(session: Session, case: Case, at: datetime) -> StageClock | None:
    """Stop the running clock and record whether the stage finished on time (按时)."""
    clock = open_clock(session, case)
    if clock is None:
        return None
    work = _work_clock(clock)
    work.stop(at)
    clock.state = work.to_dict()
    clock.ended_at = at
    clock.on_time = not work.is_overdue(at)
    clock.paused = False
    case.due_at = None
    case.warning_level = 0
    return clock


def pause_stage(session: Session, case: Case, at: datetime, reason: str) -> None:
    """挂账: the clock stops; the due time moves while paused."""
    clock = open_clock(session, case)
    if clock is None or clock.paused:
        return
    work = _work_clock(clock)
    work.pause(at, reason)
    clock.state = work.to_dict()
    clock.paused = True
    case.due_at = None


def resume_stage(session: Session, case: Case, at: datetime) -> None:
    clock = open_clock(session, case)
    if clock is None or not clock.paused:
        return
    work = _work_clock(clock)
    work.resume(at)
    clock.state = work.to_dict()
    clock.paused = False
    clock.due_at = work.due_at()
    case.due_at = clock.due_at


def extend_stage(session: Session, case: Case, extension: str) -> datetime | None:
    """An approved extension (延期) adds time to the running clock."""
    clock = open_clock(session, case)
    if clock is None:
        return None
    work = _work_clock(clock)
    work.extend(TimeLimit.parse(extension))
    clock.state = work.to_dict()
    clock.due_at = work.due_at()
    case.due_at = clock.due_at
    case.warning_level = 0
    return clock.due_at


def warning_fractions() -> tuple[float, ...]:
    raw = get_settings().sla_warning_fractions
    return tuple(sorted(float(x) for x in raw.split(",") if x.strip()))


def warning_level_at(clock: StageClock, at: datetime) -> int:
    """0 none, 1..n for each warning fraction passed, n+1 overdue (超期)."""
    if clock.paused:
        return clock.warning_level
    fraction = _work_clock(clock).fraction_used(at)
    fractions = warning_fractions()
    if fraction >= 1.0:
        return len(fractions) + 1
    return sum(1 for f in fractions if fraction >= f)


def expected_completion(session: Session, case: Case, at: datetime) -> datetime | None:
    """预计办结时间 shown to the citizen: the handling due time, or now + the handling limit."""
    clock = open_clock(session, case)
    if clock is not None and clock.stage == "handle" and clock.due_at is not None:
        return clock.due_at
    limit = TimeLimit.parse(stage_limit(session, case, "handle"))
    return WorkClock.start(at=at, limit=limit, calendar=get_calendar()).due_at()
