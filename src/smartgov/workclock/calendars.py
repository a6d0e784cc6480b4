"""The process-wide working calendar (工作日历缓存): built once, kept fresh across processes.

Other processes notice a newly loaded schedule within CALENDAR_RECHECK_S seconds: the cached
calendar re-reads a cheap fingerprint (row count, latest loaded_at) of calendar_day that often.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.workclock.models import CalendarDay
from smartgov.workclock.workcalendar import WorkCalendar

log = logging.getLogger("smartgov.workclock")

CALENDAR_RECHECK_S = 60.0

_lock = threading.Lock()
_cached: _Cached | None = None


class _Cached:
    __slots__ = ("calendar", "settings_key", "fingerprint", "checked_at")

    def __init__(self, calendar: WorkCalendar, settings_key: tuple[str, str],
                 fingerprint: tuple[int, str] | None) -> None:
        self.calendar = calendar
        self.settings_key = settings_key
        self.fingerprint = fingerprint
        self.checked_at = time.monotonic()


def get_calendar(session: Session | None = None, *, refresh: bool = False) -> WorkCalendar:
    """The process-wide working calendar (package + loaded days), built once and kept fresh.

    Reads calendar_day through its own connection (of ``session``'s engine, else the process
    engine); when the table or database does not exist yet, the package alone is used.
    """
    global _cached
    settings = get_settings()
    key = (settings.work_hours, settings.timezone)
    cached = _cached
    if (cached is not None and not refresh and cached.settings_key == key
            and time.monotonic() - cached.checked_at < CALENDAR_RECHECK_S):
        return cached.calendar
    with _lock:
        cached = _cached
        engine = _engine_for(session)
        fingerprint = _fingerprint(engine)
        if (cached is not None and not refresh and cached.settings_key == key
                and cached.fingerprint == fingerprint):
            cached.checked_at = time.monotonic()
            return cached.calendar
        calendar = _build(engine) if fingerprint is not None else WorkCalendar()
        _cached = _Cached(calendar, key, fingerprint)
        return calendar


def invalidate_calendar() -> None:
    """Forget the cached calendar; the next get_calendar() rebuilds it."""
    global _cached
    with _lock:
        _cached = None


def _engine_for(session: Session | None) -> Engine | None:
    if session is not None:
        bind = session.get_bind()
        return bind if isinstance(bind, Engine) else bind.engine
    from smartgov.db import get_engine

    engine = get_engine()
    if engine.url.get_backend_name() == "sqlite":
        database = engine.url.database
        if database and database != ":memory:" and not Path(database).exists():
            return None  # no database yet: don't create an empty file just to look
    return engine


def _fingerprint(engine: Engine | None) -> tuple[int, str] | None:
    """(rows, latest loaded_at) of calendar_day; None when it cannot be read."""
    if engine is None:
        return None
    try:
        with engine.connect() as conn:
            row: Any = conn.execute(select(func.count(), func.max(CalendarDay.loaded_at))).one()
    except SQLAlchemyError as exc:
        log.debug("calendar_day not readable, using the chinese-calendar package: %s", exc)
        return None
    return int(row[0]), str(row[1])


def _build(engine: Engine | None) -> WorkCalendar:
    if engine is None:
        return WorkCalendar()
    try:
        with Session(engine) as session:
            return WorkCalendar.from_session(session)
    except SQLAlchemyError as exc:
        log.warning("calendar_day not readable, using the chinese-calendar package: %s", exc)
        return WorkCalendar()
