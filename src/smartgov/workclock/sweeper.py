"""The generic time-limit sweep (时限巡检): raises the warning level of every running timer that
passed a threshold and hands each raise to the hook of its subject type.

A domain registers one hook per subject type (cases: mirror the level on the case and tell the
people responsible; services: deemed consent when a co-department's time runs out). On
PostgreSQL exactly one sweep runs at a time: it holds a transaction-level advisory lock and any
other sweep skips its turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Table, select, text, update
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer

log = logging.getLogger(__name__)
SWEEP_LOCK_KEY = 0x5347_5357  # "SGSW"


class SweepHook(Protocol):
    """What a domain does when one of its subjects' timers reaches a new level."""

    def begin(self, session: Session) -> None:
        """A sweep starts: drop what the last one cached."""

    def lock(self, session: Session, subject_id: int) -> None:
        """Lock the subject row first, in the order its own actions write (subject, then timer)."""

    def raised(self, session: Session, timer: WorkTimer, level: int, at: datetime) -> None:
        """React to a raised level (mirror it, notify, deem consent …) in the sweep's transaction."""


HOOKS: dict[str, SweepHook] = {}


def register(subject_type: str, hook: SweepHook) -> None:
    """Register the sweep hook of a subject type (called by the domain at import)."""
    HOOKS[subject_type] = hook


@dataclass
class SweepResult:
    ran: bool
    checked: int = 0
    raised: int = 0


def try_sweep_lock(session: Session) -> bool:
    """Take the cluster-wide sweep lock for this transaction (PostgreSQL); SQLite has one writer."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY}).scalar()
    )


def sweep(session: Session, at: datetime | None = None) -> SweepResult:
    """One sweep over every running timer, committed at the end.

    Levels are written with plain UPDATEs: a sweep is not an edit, and a person acting on the
    subject meanwhile must not get a version conflict for it."""
    at = at or now()
    if not try_sweep_lock(session):
        session.rollback()
        return SweepResult(ran=False)
    running = session.scalars(
        select(WorkTimer).where(WorkTimer.ended_at.is_(None), WorkTimer.paused.is_(False))
    ).all()
    for hook in HOOKS.values():
        hook.begin(session)
    raised = 0
    for timer in running:
        level = timers.warning_level_at(timer, at)
        hook = HOOKS.get(timer.subject_type)
        if level <= timer.warning_level or not _raise_level(session, timer, level, hook):
            continue
        if hook is not None:
            hook.raised(session, timer, level, at)
        raised += 1
    session.commit()
    return SweepResult(ran=True, checked=len(running), raised=raised)


def _raise_level(session: Session, timer: WorkTimer, level: int, hook: SweepHook | None) -> bool:
    """Write the new level on the timer; False when it ended, paused or was raised meanwhile."""
    if hook is not None:
        hook.lock(session, timer.subject_id)
    table = WorkTimer.__table__
    done = session.execute(
        update(table)
        .where(table.c.id == timer.id, table.c.ended_at.is_(None), table.c.paused.is_(False),
               table.c.warning_level < level)
        .values(warning_level=level)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(done)


def lock_subject(session: Session, table: Table, subject_id: int) -> None:
    """Lock the subject's row first, in the order every workflow action writes (subject, then its
    timer), so a sweep and a person acting on it wait for each other instead of deadlocking."""
    session.execute(select(table.c.id).where(table.c.id == subject_id).with_for_update())


def mirror_level(session: Session, table: Table, subject_id: int, level: int) -> None:
    """Copy a timer's raised warning level (预警/超期) onto its subject's ``warning_level`` column,
    never lowering it and without a version bump."""
    session.execute(
        update(table).where(table.c.id == subject_id, table.c.warning_level < level)
        .values(warning_level=level).execution_options(synchronize_session=False)
    )
