"""Automatic routing of new cases (自动分派): 直派 by the dispatch catalogue (派遣目录), which
always decides first when it matches, and learned suggestions (智能派遣建议) for free-text
requests, dispatched automatically above a configurable confidence. Runs as the job
``cases.route_new_case`` the intake queues.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from smartgov.cases import service
from smartgov.cases.classifier import DispatchModelError, Suggester, model_files
from smartgov.cases.models import Case
from smartgov.cases.workflow import Status
from smartgov.config import get_settings
from smartgov.db import now
from smartgov.org.models import Department
from smartgov.text import join_fields

log = logging.getLogger(__name__)

# Labels of the first-level taxonomy the demo model is trained on (2020 TipDM messages), and the
# demo district's department for each; a model trained from closed cases predicts codes directly.
TAXONOMY_DEPARTMENTS = {
    "城乡建设": "zhujian",
    "劳动和社会保障": "renshe",
    "教育文体": "jiaoyu",
    "卫生计生": "weijian",
    "交通运输": "jiaotong",
    "商贸旅游": "shangwu",
    "环境保护": "shengtai",
}


@dataclass(frozen=True)
class DispatchSuggestion:
    label: str
    confidence: float
    department_code: str | None
    department_name: str | None
    department_id: int | None = None


_cache: dict[str, tuple[float, Suggester | None]] = {}
_lock = Lock()


def current_suggester() -> Suggester | None:
    """The trained model under var/models, reloaded when its file changes; None when untrained."""
    model_file, _ = model_files(None)
    try:
        mtime = model_file.stat().st_mtime
    except FileNotFoundError:
        return None
    key = str(model_file)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            suggester = Suggester.load(model_file)
        except DispatchModelError:
            log.exception("dispatch model unusable")
            suggester = None
        _cache[key] = (mtime, suggester)
        return suggester


def department_for_label(session: Session, label: str) -> Department | None:
    code = TAXONOMY_DEPARTMENTS.get(label, label)
    return session.scalar(select(Department).where(or_(Department.code == code, Department.name == label)))


def suggestions_for(session: Session, case: Case, k: int = 3) -> list[DispatchSuggestion]:
    """The top-k departments for this case's text, with confidence (shown to the dispatcher)."""
    suggester = current_suggester()
    if suggester is None:
        return []
    result = []
    for s in suggester.suggest(join_fields((case.title, case.description)), k=k):
        dept = department_for_label(session, s.label)
        result.append(
            DispatchSuggestion(
                s.label, s.confidence, dept.code if dept else None, dept.name if dept else None,
                dept.id if dept else None,
            )
        )
    return result


def dispatch_by_model(session: Session, case: Case, at: datetime) -> bool:
    """智能派遣: above the configured confidence, file and dispatch an unclassified order to the
    suggested department (the caller has checked ``service.needs_routing``); the confidence is
    kept on the case either way."""
    suggestions = suggestions_for(session, case, k=1)
    if not suggestions:
        return False
    best = suggestions[0]
    case.dispatch_confidence = best.confidence
    if best.confidence < get_settings().auto_dispatch_confidence or best.department_id is None:
        return False
    department = session.get(Department, best.department_id)
    if department is None:
        return False
    data = {"department": department.code, "confidence": best.confidence, "label": best.label}
    auto_dispatch(session, case, department, at, f"智能派遣（置信度 {best.confidence:.0%}）", data)
    return True


def route_new_case(factory: sessionmaker[Session], case_id: int) -> bool:
    """Route a new case automatically where the catalogue decides (直派), or by the learned
    suggester when it came without a class, in a session of its own; True when it was routed.

    Runs as the job ``cases.route_new_case`` the intake enqueued; a case a person has acted on
    meanwhile is left alone, so running it twice changes nothing."""
    with factory() as session:
        case = session.get(Case, case_id)
        if case is None or not service.needs_routing(session, case.category_id, case.status):
            return False
        with session.no_autoflush:  # one flush at the commit instead of one per query
            if case.category_id is None:
                routed = dispatch_by_model(session, case, now())
            else:
                routed = route_automatically(session, case, now())
        session.commit()
        return routed


def route_automatically(session: Session, case: Case, at: datetime) -> bool:
    """直派: file and dispatch a case of a directly dispatched class by the dispatch catalogue
    (the caller has checked ``needs_routing``); False when the catalogue names no department."""
    department = service.catalogue_department(session, case)
    if department is None:
        return False
    auto_dispatch(session, case, department, at, "按派遣目录", {"department": department.code})
    return True


def auto_dispatch(
    session: Session, case: Case, department: Department, at: datetime, basis: str, data: dict
) -> None:
    """File (when not yet filed) and dispatch without a person, marked 自动派遣 on the case and
    its timeline; ``basis`` says on what (按派遣目录, 智能派遣 …)."""
    if Status(case.status) == Status.PENDING_FILE:
        case.filed_at = at
        service.add_event(session, case, None, "auto_file", Status.PENDING_FILE, Status.PENDING_DISPATCH,
                          f"{basis}自动立案", at=at)
    service.dispatch_to(session, case, department, at)
    case.auto_dispatched = True
    case.updated_at = at
    service.add_event(session, case, None, "auto_dispatch", Status.PENDING_DISPATCH, Status.HANDLING,
                      f"{basis}自动派遣至{department.name}", at=at, data=data)
