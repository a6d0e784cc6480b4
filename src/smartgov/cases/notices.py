"""Messages of the case hub (案件消息): staff inboxes and telling reporters the result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov import inbox
from smartgov.cases.models import SUBJECT, Case, CaseReporter

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
