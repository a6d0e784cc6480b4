"""Follow-up of a case (后续处理): automatic routing, notifications, telling reporters.

Routing runs as a job after the report is committed (cases.jobs); a failure is retried and the
case that was already accepted waits in its queue for a person meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from smartgov import inbox
from smartgov.cases import directory
from smartgov.cases.models import Case, CaseReporter
from smartgov.cases.service import SUBJECT
from smartgov.cases.workflow import Status
from smartgov.db import now
from smartgov.org.models import Department

log = logging.getLogger(__name__)


def route_new_case(factory: sessionmaker[Session], case_id: int) -> bool:
    """Route a new case automatically where the catalogue decides (直派), or by the learned
    suggester when it came without a class, in a session of its own; True when it was routed.

    Runs as the job ``cases.route_new_case`` the intake enqueued; a case a person has acted on
    meanwhile is left alone, so running it twice changes nothing."""
    with factory() as session:
        case = session.get(Case, case_id)
        if case is None or not needs_routing(session, case.category_id, case.status):
            return False
        with session.no_autoflush:  # one flush at the commit instead of one per query
            if case.category_id is None:
                from smartgov.cases.routing import dispatch_by_model  # loads scikit-learn

                routed = dispatch_by_model(session, case, now())
            else:
                routed = route_automatically(session, case, now())
        session.commit()
        return routed


ROUTABLE = (Status.PENDING_FILE, Status.PENDING_DISPATCH)


def needs_routing(session: Session, category_id: int | None, status: str) -> bool:
    """Whether a case waits for filing or dispatch and is either of a directly dispatched class
    (直派) or has no class at all (the learned suggester may route it)."""
    if status not in ROUTABLE:
        return False
    if category_id is None:
        return True
    category = directory.current(session).categories.get(category_id)
    return category is not None and category.direct_dispatch


def catalogue_department(session: Session, case: Case) -> Department | None:
    """派遣目录: the first rule of this category whose area contains the case, else the default."""
    if case.category_id is None:
        return None
    case_areas = {a for a in (case.grid_id, case.community_id, case.street_id) if a}
    department_id = directory.current(session).dispatch_department(case.category_id, case_areas)
    return session.get(Department, department_id) if department_id else None


def route_automatically(session: Session, case: Case, at: datetime) -> bool:
    """直派: file and dispatch a case of a directly dispatched class by the dispatch catalogue
    (the caller has checked ``needs_routing``); False when the catalogue names no department."""
    department = catalogue_department(session, case)
    if department is None:
        return False
    auto_dispatch(session, case, department, at, "按派遣目录", {"department": department.code})
    return True


def auto_dispatch(
    session: Session, case: Case, department: Department, at: datetime, basis: str, data: dict
) -> None:
    """File (when not yet filed) and dispatch without a person, marked 自动派遣 on the case and
    its timeline; ``basis`` says on what (按派遣目录, 智能派遣 …)."""
    from smartgov.cases import service

    if Status(case.status) == Status.PENDING_FILE:
        case.filed_at = at
        service.add_event(session, case, None, "auto_file", Status.PENDING_FILE, Status.PENDING_DISPATCH,
                          f"{basis}自动立案", at=at)
    service.dispatch_to(session, case, department, at)
    case.auto_dispatched = True
    case.updated_at = at
    service.add_event(session, case, None, "auto_dispatch", Status.PENDING_DISPATCH, Status.HANDLING,
                      f"{basis}自动派遣至{department.name}", at=at, data=data)


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


def close_merged_cases(session: Session, master: Case, at: datetime) -> None:
    """Closing the master closes every case merged into it (并单随主案件办结) and tells every
    reporter not yet told — its own and those of the merged cases — the result."""
    for child in session.scalars(select(Case).where(Case.merged_into_id == master.id)):
        child.closed_at = at
        child.result_note = master.result_note
        child.updated_at = at
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
