"""Working calendar and time limits (工作日历与时限): the public API of the workclock domain.

Limits::

    TimeLimit.parse("4wh")            # 工作时; also "3wd" 工作日, "24h" 小时, "2d" 自然日,
                                      # "3个工作日", "24 小时"; bad text → InvalidTimeLimit (422)
    str(limit) == "4wh"; limit.label == "4个工作时"; limit.is_working; limit.fixed_duration()

Calendar (one per process, refreshed when an administrator loads a schedule)::

    cal = get_calendar()              # WorkCalendar; get_calendar(session) to read via that bind
    cal.add_working_time(start, "3wd") -> datetime   # due time of a fresh limit
    cal.is_workday(day); cal.working_intervals(day); cal.close_of_business(day)
    cal.is_working_time(at); cal.next_opening(at); cal.working_time_between(a, b) -> timedelta
    cal.special_days(year) -> [SpecialDay(day, is_workday, name, source)]
    WorkCalendar.from_session(session); WorkCalendar(overrides, work_hours=..., tz=...)
    invalidate_calendar()             # forget the cached calendar (load_schedule does it)
    load_schedule(session, path) -> int   # CSV/JSON into calendar_day, commits, invalidates
    due_at(start, limit) -> datetime      # shortcut on the process calendar
    parse_moment("2026-09-30T16:00")     # ISO 8601; no offset → configured zone

Rules: N wd end at the close of business of the N-th working day after the start day (the
start day is not counted); wh count from the start moment, or from the next opening outside
working time; h/d are plain durations. Working hours come from SMARTGOV_WORK_HOURS, the zone
from SMARTGOV_TIMEZONE. A year neither the chinese-calendar package nor a loaded schedule knows
raises CalendarUnknownYear (409, code calendar_unknown_year). Loaded days override the package
date by date; in a year known only by loaded days an unlisted date is a workday iff Mon–Fri.
Loading a file replaces the loaded days of every year the file mentions.

Clocks (pure Python; store ``to_dict()`` in a JSON column)::

    clock = WorkClock.start(at=dt, limit=TimeLimit.parse("4wh"), calendar=cal)
    clock.pause(at, reason); clock.resume(at); clock.extend("2wd"); clock.stop(at)
    clock.due_at()        # datetime; None while paused
    clock.due_at(now=t)   # while paused: the due time if it resumed at t
    clock.elapsed(at) / clock.remaining(at) -> timedelta   # working time for wh/wd, else calendar
    clock.fraction_used(at) -> float; clock.is_overdue(at) -> bool
    clock.state in {"running", "paused", "stopped"}; clock.pauses; clock.budget
    WorkClock.from_dict(clock.to_dict(), calendar=cal)

Other processes notice a newly loaded schedule within CALENDAR_RECHECK_S seconds: the cached
calendar re-reads a cheap fingerprint (row count, latest loaded_at) of calendar_day that often.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.errors import ValidationFailed
from smartgov.workclock.calendars import get_calendar, invalidate_calendar
from smartgov.workclock.clock import Segment, WorkClock
from smartgov.workclock.limits import InvalidTimeLimit, TimeLimit
from smartgov.workclock.models import CalendarDay
from smartgov.workclock.schedule import BadSchedule, ScheduleDay, parse_schedule, read_schedule
from smartgov.workclock.workcalendar import (
    BadWorkHours,
    CalendarUnknownYear,
    SpecialDay,
    WorkCalendar,
    parse_work_hours,
)

__all__ = [
    "BadSchedule", "BadWorkHours", "CalendarUnknownYear", "InvalidTimeLimit", "ScheduleDay",
    "Segment", "SpecialDay", "TimeLimit", "WorkCalendar", "WorkClock", "due_at", "get_calendar",
    "invalidate_calendar", "load_schedule", "parse_moment", "parse_schedule", "parse_work_hours",
    "read_schedule", "store_schedule",
]

log = logging.getLogger("smartgov.workclock")

def due_at(start: datetime, limit: TimeLimit | str) -> datetime:
    """Due time of a fresh ``limit`` started at ``start`` on the process calendar."""
    return get_calendar().add_working_time(start, TimeLimit.parse(limit))


def day_bound(value: str | date, *, is_end: bool) -> datetime:
    """One end of a date range typed by a person: a day (YYYY-MM-DD) is its start, or — as the
    end — the start of the next day (both days included); an ISO time is taken as it is, in
    the configured zone when it has no offset."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        text = str(value).strip()
        if len(text) != 10:
            return parse_moment(text)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(f"日期格式有误：{value}（应为 YYYY-MM-DD）", code="bad_date") from None
    start_of_day = datetime.min.time()
    return datetime.combine(day + timedelta(days=1) if is_end else day, start_of_day, get_settings().tz)


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 moment (时间) or date; without an offset it is taken in the configured zone.

    A date alone is its first moment, or its last with ``end_of_day``. A space where a date-time
    has its offset is read as "+": a query string's unescaped "+08:00" arrives as " 08:00".
    """
    value = text.strip().replace(" ", "+") if "T" in text else text.strip()
    try:
        if len(value) == 10:
            bound = datetime.max if end_of_day else datetime.min
            moment = datetime.combine(date.fromisoformat(value), bound.time())
        else:
            moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"时间格式无效 {text!r}，应为 ISO 8601，"
                               f"如 2026-09-30T16:00:00+08:00 (bad moment)",
                               code="bad_datetime") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=get_settings().tz)
    return moment


def load_schedule(session: Session, path: str | Path) -> int:
    """Load a CSV/JSON holiday schedule into calendar_day (导入节假日安排); returns days stored.

    The loaded days replace earlier loaded days of the same years. Commits, then refreshes
    this process's calendar.
    """
    return store_schedule(session, read_schedule(path))


def store_schedule(session: Session, days: list[ScheduleDay]) -> int:
    """Store parsed ``days`` (replacing loaded days of their years), commit, invalidate."""
    if not days:
        raise BadSchedule("文件中没有任何日期 (the schedule lists no days)")
    years = sorted({d.day.year for d in days})
    for year in years:
        session.execute(delete(CalendarDay).where(
            CalendarDay.day >= datetime(year, 1, 1).date(),
            CalendarDay.day <= datetime(year, 12, 31).date()))
    session.add_all(CalendarDay(day=d.day, is_workday=d.is_workday, name=d.name or None)
                    for d in days)
    session.commit()
    invalidate_calendar()
    log.info("loaded %d calendar days for %s", len(days), ", ".join(map(str, years)))
    return len(days)
