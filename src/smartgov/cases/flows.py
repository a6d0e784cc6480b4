"""Side effects after a commit (后续处理): automatic routing, notifications, telling reporters.

Nothing here runs inside the request's transaction: a failure is logged and the case that was
already accepted stays as it is, waiting in its queue for a person.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from smartgov.cases import directory
from smartgov.cases.models import Case, CaseReporter, Notification
from smartgov.cases.workflow import Status
from smartgov.db import now
from smartgov.org.models import Department

log = logging.getLogger(__name__)


def after_intake(factory: sessionmaker[Session], new_case: Case) -> bool:
    """Route a new case automatically where the catalogue decides (直派), or by the learned
    suggester when it came without a class, then notify — in a session of its own.

    ``new_case`` is the case as the intake returned it; most reports need no routing, and that
    is decided from it without another query. True when the case was routed (the caller's copy
    of it is then out of date)."""
    case_id = new_case.id
    try:
        with factory() as session:
            if not needs_routing(session, new_case.category_id, new_case.status):
                return False
            case = session.get(Case, case_id)
            if case is None or not needs_routing(session, case.category_id, case.status):
                return False  # a person has acted on it meanwhile
            with session.no_autoflush:  # one flush at the commit instead of one per query
                if case.category_id is None:
                    from smartgov.cases.routing import dispatch_by_model  # loads scikit-learn

                    routed = dispatch_by_model(session, case, now())
                else:
                    routed = route_automatically(session, case, now())
            session.commit()
            return routed
    except Exception:  # the case is safe; a person routes it from the queue
        log.exception("automatic routing failed for case %s", case_id)
        return False


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


def notify_department(
    session: Session, case: Case, department_id: int | None, kind: str, message: str
) -> None:
    """Put a message in a department's inbox (every handler of the department sees it)."""
    if department_id is None:
        return
    session.add(
        Notification(
            department_id=department_id,
            case_id=case.id,
            kind=kind,
            message=message,
            created_at=now(),
        )
    )


def notify_user(session: Session, user_id: int, case: Case | None, kind: str, message: str) -> None:
    session.add(
        Notification(
            user_id=user_id,
            case_id=case.id if case else None,
            kind=kind,
            message=message,
            created_at=now(),
        )
    )


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
            session.add(
                Notification(case_id=master.id, kind="sms_outbox", message=message, role=reporter.phone,
                             created_at=at)
            )
        reporter.notified_at = at
