"""The periodic SLA sweep (时限巡检): warning levels, overdue marks and reminders.

With several app processes on PostgreSQL exactly one sweeps at a time: the sweep holds a
transaction-level advisory lock and the others skip their turn.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from smartgov.cases import clocks, flows
from smartgov.cases.models import Case, StageClock
from smartgov.cases.workflow import STAGE_LABELS
from smartgov.db import now

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
    """Raise the warning level of every running stage clock that passed a threshold."""
    at = at or now()
    if not try_sweep_lock(session):
        session.rollback()
        return SweepResult(ran=False)
    overdue_level = len(clocks.warning_fractions()) + 1
    running = session.scalars(
        select(StageClock).where(StageClock.ended_at.is_(None), StageClock.paused.is_(False))
    ).all()
    raised = 0
    for clock in running:
        level = clocks.warning_level_at(clock, at)
        if level <= clock.warning_level:
            continue
        clock.warning_level = level
        case = session.get(Case, clock.case_id)
        if case is None:
            continue
        case.warning_level = level
        stage = STAGE_LABELS.get(clock.stage, clock.stage)
        label = "已超期" if level >= overdue_level else LEVEL_NAMES.get(level, "预警")
        flows.notify_department(
            session,
            case,
            clock.department_id or case.lead_department_id,
            "overdue" if level >= overdue_level else "warning",
            f"案件 {case.case_no} {stage}环节{label}（截止 {clock.due_at:%m-%d %H:%M}）",
        )
        raised += 1
    if hold_seconds:
        import time

        time.sleep(hold_seconds)  # tests: keep the lock while another process tries
    session.commit()
    return SweepResult(ran=True, checked=len(running), raised=raised)


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
