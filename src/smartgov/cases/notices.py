"""Messages of the case hub (案件消息): staff inboxes and telling reporters the result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartgov import inbox
from smartgov.auth.models import User, UserArea, UserRole
from smartgov.auth.roles import Role
from smartgov.cases.models import SUBJECT, Case, CaseReporter
from smartgov.org.models import Area

# Kinds of message the cases domain puts in inboxes, as people read them (消息类型).
INBOX_KINDS: dict[str, str] = {
    "dispatched": "新派遣案件",
    "assist": "新协办案件",
    "rework": "返工",
    "reopen": "重办",
    "supervise": "督办",
    "remind": "催办",
    "warning": "超期预警",
    "overdue": "已超期",
    "case_closed": "办结告知",
    "citizen_unsatisfied": "群众不满意",
}
inbox.register_kinds(INBOX_KINDS)
inbox.register_subject(SUBJECT, lambda case_id: f"/cases/{case_id}")


def notify_department(
    session: Session, case: Case, department_id: int | None, kind: str, message: str
) -> None:
    """Put a message in a department's inbox (every handler of the department sees it)."""
    if department_id is None:
        return
    inbox.notify(session, kind=kind, message=message, department_id=department_id,
                 subject_type=SUBJECT, subject_id=case.id)


def notify_user(session: Session, user_id: int, case: Case | None, kind: str, message: str) -> None:
    inbox.notify(session, kind=kind, message=message, user_id=user_id,
                 subject_type=SUBJECT if case else None, subject_id=case.id if case else None)


def tell_reporters(session: Session, master: Case, at: datetime) -> None:
    """Tell every reporter not yet told — the master's own and those of the cases merged into
    it — the result (办结告知): in their inbox, else by SMS."""
    reporters = session.scalars(
        select(CaseReporter).where(CaseReporter.case_id == master.id, CaseReporter.notified_at.is_(None))
    )
    for reporter in reporters:
        message = f"您反映的问题（{master.title}）已办结：{master.result_note or ''}"
        if reporter.user_id:
            notify_user(session, reporter.user_id, master, "case_closed", message)
        elif reporter.phone:
            inbox.send(session, channel="sms", recipient=reporter.phone, body=message,
                       subject_type=SUBJECT, subject_id=master.id)
        reporter.notified_at = at


class CaseStaff:
    """The active staff of a role whose area covers a case (责任区域), cached per session use.
    Inspectors must patrol the case's grid (or an area above it); others count when not
    area-scoped too."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, int | None, int | None, int | None], list[int]] = {}

    def with_role(self, role: Role, case: Case) -> list[int]:
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


def flag_to_supervisors(session: Session, case: Case, message: str) -> list[int]:
    """Tell the supervisors (督办人员) whose area covers the case, at once; returns who was told."""
    told = CaseStaff(session).with_role(Role.SUPERVISOR, case)
    for user_id in told:
        notify_user(session, user_id, case, "citizen_unsatisfied", message)
    return told
