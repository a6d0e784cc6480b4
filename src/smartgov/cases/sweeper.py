"""What the time-limit sweep does for cases (案件时限巡检): mirror the raised level on the case
and tell the people responsible. The sweep itself is the workclock's (one for every subject)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartgov.auth.roles import Role
from smartgov.cases import notices
from smartgov.cases.models import SUBJECT, Case
from smartgov.cases.workflow import STAGE_LABELS
from smartgov.db import now
from smartgov.workclock import sweeper, timers
from smartgov.workclock.models import WorkTimer
from smartgov.workclock.sweeper import SweepResult, lock_subject, mirror_level

LEVEL_NAMES = {1: "黄色预警", 2: "橙色预警"}


def sweep(session: Session, at: datetime | None = None) -> SweepResult:
    """One sweep of every running timer (cases and every other subject), committed."""
    return sweeper.sweep(session, at or now())


class CaseSweep:
    """The sweep hook of cases."""

    def __init__(self) -> None:
        self._recipients: _Recipients | None = None

    def begin(self, session: Session) -> None:
        self._recipients = _Recipients(session)

    def lock(self, session: Session, subject_id: int) -> None:
        """The case row first, in the order every workflow action writes (case, then its timer),
        so a sweep and a person acting on the same case wait for each other instead of
        deadlocking on PostgreSQL."""
        lock_subject(session, Case.__table__, subject_id)

    def raised(self, session: Session, timer: WorkTimer, level: int, at: datetime) -> None:
        """Mirror the level on the case (no version bump) and tell whoever answers for the stage."""
        mirror_level(session, Case.__table__, timer.subject_id, level)
        case = session.get(Case, timer.subject_id)
        if case is None:
            return
        overdue = level >= timers.overdue_level()
        stage = STAGE_LABELS.get(timer.stage, timer.stage)
        label = "已超期" if overdue else LEVEL_NAMES.get(level, "预警")
        kind = "overdue" if overdue else "warning"
        message = f"案件 {case.case_no} {stage}环节{label}（截止 {timer.due_at:%m-%d %H:%M}）"
        department_id = timer.department_id or (
            case.lead_department_id if timer.stage == "handle" else None
        )
        if department_id is not None:
            notices.notify_department(session, case, department_id, kind, message)
            return
        recipients = self._recipients or _Recipients(session)
        for user_id in recipients.of(case, timer.stage):
            notices.notify_user(session, user_id, case, kind, message)


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


class _Recipients(notices.CaseStaff):
    """Who is told of a stage no department holds (cached for one sweep); with no inspector for
    the grid the duty chiefs are told (属地兜底 at the centre)."""

    def of(self, case: Case, stage: str) -> list[int]:
        role = STAGE_ROLES.get(stage, Role.DUTY_CHIEF)
        found = self.with_role(role, case)
        if not found and role == Role.INSPECTOR:
            found = self.with_role(Role.DUTY_CHIEF, case)
        return found


sweeper.register(SUBJECT, CaseSweep())
