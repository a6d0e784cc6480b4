"""Time limits of an application on the working clock (时限): acceptance, promise and statute,
one timer per co-department, special procedures; and the sweep hook (视为受理 / 视为同意)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartgov.services.models import SUBJECT, Application
from smartgov.workclock import sweeper, timers
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


class ApplicationSweep:
    """What a sweep does to applications: warning levels, 视为受理 and 视为同意."""

    def begin(self, session: Session) -> None:
        return None

    def lock(self, session: Session, subject_id: int) -> None:
        query = select(Application.id).where(Application.id == subject_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        session.execute(query)

    def raised(self, session: Session, timer: WorkTimer, level: int, at: datetime) -> None:
        from smartgov.services import service

        overdue = level >= timers.overdue_level()
        if timer.stage == "accept" and overdue:
            service.deem_accepted(session, timer.subject_id, at)
        elif timer.stage == "review" and overdue:
            service.deem_consent(session, timer, at)
        elif timer.stage == "promise":
            table = Application.__table__
            session.execute(
                update(table)
                .where(table.c.id == timer.subject_id, table.c.warning_level < level)
                .values(warning_level=level)
                .execution_options(synchronize_session=False)
            )
            service.warn(session, timer.subject_id, level, at)


sweeper.register(SUBJECT, ApplicationSweep())
