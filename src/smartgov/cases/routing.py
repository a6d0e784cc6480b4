"""Learned dispatch suggestions (智能派遣建议) for free-text requests, and automatic dispatch
above a configurable confidence. The catalogue (派遣目录) always decides first when it matches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartgov.cases.classifier import DispatchModelError, Suggester, model_files
from smartgov.cases.models import Case
from smartgov.config import get_settings
from smartgov.org.models import Department

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
    for s in suggester.suggest(f"{case.title}\n{case.description}", k=k):
        dept = department_for_label(session, s.label)
        result.append(
            DispatchSuggestion(
                s.label, s.confidence, dept.code if dept else None, dept.name if dept else None
            )
        )
    return result


def dispatch_by_model(session: Session, case: Case, at: datetime) -> bool:
    """Above the configured confidence, dispatch a free-text order to the suggested department."""
    from smartgov.cases import flows, service
    from smartgov.cases.workflow import Status

    if case.category_id is not None or Status(case.status) not in (
        Status.PENDING_FILE,
        Status.PENDING_DISPATCH,
    ):
        return False
    suggestions = suggestions_for(session, case, k=1)
    if not suggestions:
        return False
    best = suggestions[0]
    case.dispatch_confidence = best.confidence
    if best.confidence < get_settings().auto_dispatch_confidence or best.department_code is None:
        return False
    department = session.scalar(select(Department).where(Department.code == best.department_code))
    if department is None:
        return False
    before = Status(case.status)
    case.filed_at = case.filed_at or at
    service.dispatch_to(session, case, department, at)
    case.auto_dispatched = True
    service.add_event(
        session,
        case,
        None,
        "auto_dispatch",
        before,
        Status.HANDLING,
        f"智能派遣至{department.name}（置信度 {best.confidence:.0%}）",
        at=at,
        data={"department": department.code, "confidence": best.confidence, "label": best.label},
    )
    flows.notify_department(
        session, case, department.id, "dispatched", f"新派遣案件 {case.case_no}：{case.title}"
    )
    return True
