"""Time limits of an application on the working clock (时限): acceptance, promise and statute,
one timer per co-department, special procedures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartgov.services.models import SUBJECT, Application
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer


def start(
    session: Session,
    app: Application,
    stage: str,
    days: int | str,
    at: datetime,
    department_id: int | None = None,
) -> WorkTimer:
    limit = days if isinstance(days, str) else f"{days}wd"
    timer = timers.start(session, SUBJECT, app.id, stage, limit, at, department_id=department_id)
    mirror(session, app)
    return timer


def open_timers(session: Session, app: Application, stage: str | None = None) -> list[WorkTimer]:
    session.flush()
    return timers.open_timers(session, SUBJECT, app.id, stage=stage)


def stop(
    session: Session,
    app: Application,
    at: datetime,
    stage: str | None = None,
    department_id: int | None = None,
) -> None:
    for timer in open_timers(session, app, stage):
        if department_id is None or timer.department_id == department_id:
            timers.stop(timer, at)
    mirror(session, app)


def pause_all(session: Session, app: Application, at: datetime, reason: str) -> None:
    """补正 / 特别程序: every running timer of the application stops counting."""
    for timer in open_timers(session, app):
        if timer.stage != "special":
            timers.pause(timer, at, reason)


def resume_all(session: Session, app: Application, at: datetime) -> None:
    for timer in open_timers(session, app):
        timers.resume(timer, at)
    mirror(session, app)


def extend(session: Session, app: Application, extension: str) -> None:
    for timer in open_timers(session, app):
        if timer.stage in ("promise", "statute"):
            timers.extend(timer, extension)
    app.warning_level = 0
    mirror(session, app)


def mirror(session: Session, app: Application) -> None:
    """The application shows the due times of its promise and statute timers (queues sort by them)."""
    due = {t.stage: t.due_at for t in open_timers(session, app)}
    app.due_at = due.get("promise", due.get("accept"))
    app.statutory_due_at = due.get("statute")
