"""Time limits of an application on the working clock (时限): acceptance, promise and statute,
one timer per co-department, special procedures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartgov.services.models import SUBJECT, Application
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer

MIRRORED = {"accept": "due_at", "promise": "due_at", "statute": "statutory_due_at"}


def start(
    session: Session,
    app: Application,
    stage: str,
    days: int | str,
    at: datetime,
    department_id: int | None = None,
) -> WorkTimer:
    """Start one timer of the application; the promise, statute and acceptance due times show on it."""
    limit = days if isinstance(days, str) else f"{days}wd"
    timer = timers.start(session, SUBJECT, app.id, stage, limit, at, department_id=department_id)
    if stage in MIRRORED:
        setattr(app, MIRRORED[stage], timer.due_at)
    return timer


def open_timers(session: Session, app: Application, stage: str | None = None) -> list[WorkTimer]:
    return timers.open_timers(session, SUBJECT, app.id, stage=stage)


def stop(
    session: Session,
    app: Application,
    at: datetime,
    stage: str | None = None,
    department_id: int | None = None,
) -> None:
    """Stop the open timers of a stage (of one department), or all of them."""
    for timer in open_timers(session, app, stage):
        if department_id is None or timer.department_id == department_id:
            timers.stop(timer, at)
            if timer.stage in MIRRORED:
                setattr(app, MIRRORED[timer.stage], None)


def pause_all(session: Session, app: Application, at: datetime, reason: str) -> None:
    """补正 / 特别程序: every running timer of the application stops counting."""
    for timer in open_timers(session, app):
        if timer.stage != "special":
            timers.pause(timer, at, reason)


def resume_all(session: Session, app: Application, at: datetime) -> None:
    """Count again; each due time moves by the working time paused."""
    running = open_timers(session, app)
    for timer in running:
        timers.resume(timer, at)
    mirror(app, running)


def extend(session: Session, app: Application, extension: str) -> None:
    running = open_timers(session, app)
    for timer in running:
        if timer.stage in ("promise", "statute"):
            timers.extend(timer, extension)
    app.warning_level = 0
    mirror(app, running)


def mirror(app: Application, running: list[WorkTimer]) -> None:
    """The application shows the due times of its promise and statute timers (queues sort by them)."""
    due = {t.stage: t.due_at for t in running}
    app.due_at = due.get("promise", due.get("accept"))
    app.statutory_due_at = due.get("statute")
