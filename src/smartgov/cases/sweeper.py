"""The periodic SLA sweep (时限巡检): warning levels, overdue marks and reminders.

With several app processes on PostgreSQL exactly one sweeps at a time: the sweep holds a
transaction-level advisory lock and the others skip their turn.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from smartgov.auth.models import User, UserArea, UserRole
from smartgov.auth.roles import Role
from smartgov.cases import clocks, flows
from smartgov.cases.models import Case, StageClock
from smartgov.cases.workflow import STAGE_LABELS
from smartgov.db import now
from smartgov.org.models import Area

log = logging.getLogger(__name__)
SWEEP_LOCK_KEY = 0x5347_5357  # "SGSW"
LEVEL_NAMES = {1: "黄色预警", 2: "橙色预警"}


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
        session.execute(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY}
        ).scalar()
    )


def sweep(session: Session, at: datetime | None = None, *, hold_seconds: float = 0) -> SweepResult:
    """Raise the warning level of every running stage clock that passed a threshold.

    The levels are written with plain UPDATEs that leave ``Case.version`` alone: a sweep is not
    an edit, and a person acting on the case meanwhile must not get a 409 for it."""
    at = at or now()
    if not try_sweep_lock(session):
        session.rollback()
        return SweepResult(ran=False)
    overdue_level = len(clocks.warning_fractions()) + 1
    running = session.scalars(
        select(StageClock).where(StageClock.ended_at.is_(None), StageClock.paused.is_(False))
    ).all()
    recipients = _Recipients(session)
    raised = 0
    for clock in running:
        level = clocks.warning_level_at(clock, at)
        if level <= clock.warning_level or not _raise_level(session, clock, level):
            continue
        case = session.get(Case, clock.case_id)
        if case is None:
            continue
        stage = STAGE_LABELS.get(clock.stage, clock.stage)
        label = "已超期" if level >= overdue_level else LEVEL_NAMES.get(level, "预警")
        kind = "overdue" if level >= overdue_level else "warning"
        message = f"案件 {case.case_no} {stage}环节{label}（截止 {clock.due_at:%m-%d %H:%M}）"
        department_id = clock.department_id or (
            case.lead_department_id if clock.stage == "handle" else None
        )
        if department_id is not None:
            flows.notify_department(session, case, department_id, kind, message)
        else:
            for user_id in recipients.of(case, clock.stage):
                flows.notify_user(session, user_id, case, kind, message)
        raised += 1
    if hold_seconds:
        import time

        time.sleep(hold_seconds)  # tests: keep the lock while another process tries
    session.commit()
    return SweepResult(ran=True, checked=len(running), raised=raised)


def _raise_level(session: Session, clock: StageClock, level: int) -> bool:
    """Write the new level on the clock and on its case (Core UPDATEs: no version bump); False
    when the clock ended, paused or was raised meanwhile (the case has moved on: leave it).

    The case row is locked first, in the order every workflow action writes (case, then its
    clock), so a sweep and a person acting on the same case wait for each other instead of
    deadlocking on PostgreSQL."""
    clock_table, case_table = StageClock.__table__, Case.__table__
    session.execute(select(case_table.c.id).where(case_table.c.id == clock.case_id).with_for_update())
    done = session.execute(
        update(clock_table)
        .where(clock_table.c.id == clock.id, clock_table.c.ended_at.is_(None),
               clock_table.c.paused.is_(False), clock_table.c.warning_level < level)
        .values(warning_level=level)
    ).rowcount
    if not done:
        return False
    session.execute(
        update(case_table)
        .where(case_table.c.id == clock.case_id, case_table.c.warning_level < level)
        .values(warning_level=level)
    )
    return True


# Who answers for a stage that no department holds (核实/核查: the grid's inspectors; 立案/结案:
# the duty chiefs; 派遣: the dispatchers; 回访: the hotline operators).
STAGE_ROLES: dict[str, Role] = {
    "verify": Role.INSPECTOR,
    "recheck": Role.INSPECTOR,
    "file": Role.DUTY_CHIEF,
    "close": Role.DUTY_CHIEF,
    "dispatch": Role.DISPATCHER,
    "callback": Role.HOTLINE_OPERATOR,
    "handle": Role.DISPATCHER,  # a handling clock without a department: whoever dispatches
}


class _Recipients:
    """The active staff of a role whose area covers a case (cached for one sweep). Inspectors
    must patrol the case's grid (or an area above it); others count when not area-scoped too.
    With no inspector for the grid the duty chiefs are told (属地兜底 at the centre)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, int | None, int | None, int | None], list[int]] = {}

    def of(self, case: Case, stage: str) -> list[int]:
        role = STAGE_ROLES.get(stage, Role.DUTY_CHIEF)
        found = self._users(role, case)
        if not found and role == Role.INSPECTOR:
            found = self._users(Role.DUTY_CHIEF, case)
        return found

    def _users(self, role: Role, case: Case) -> list[int]:
        key = (str(role), case.grid_id, case.community_id, case.street_id)
        if key not in self._cache:
            areas = self._chain(case)
            covers = select(UserArea.id).where(UserArea.user_id == User.id, UserArea.area_id.in_(areas))
            unscoped = ~select(UserArea.id).where(UserArea.user_id == User.id).exists()
            where_area = covers.exists() if role == Role.INSPECTOR else or_(covers.exists(), unscoped)
            self._cache[key] = list(
                self.session.scalars(
                    select(User.id)
                    .join(UserRole, UserRole.user_id == User.id)
                    .where(UserRole.role == str(role), User.is_active.is_(True),
                           User.is_staff.is_(True), where_area)
                    .order_by(User.id)
                )
            )
        return self._cache[key]

    def _chain(self, case: Case) -> list[int]:
        """The case's grid, community, street and district ids."""
        areas = [a for a in (case.grid_id, case.community_id, case.street_id) if a is not None]
        if case.street_id is not None:
            street = self.session.get(Area, case.street_id)
            if street is not None and street.parent_id is not None:
                areas.append(street.parent_id)
        return areas


class SweepThread(threading.Thread):
    """Runs the sweep every ``interval`` seconds inside an app process."""

    def __init__(self, factory: sessionmaker[Session], interval: float = 60.0) -> None:
        super().__init__(name="sla-sweeper", daemon=True)
        self.factory, self.interval = factory, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.factory() as session:
                    sweep(session)
            except Exception:  # keep sweeping; the next turn retries
                log.exception("SLA sweep failed")
