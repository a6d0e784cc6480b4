"""Automatic routing of new cases (自动分派): 直派 by the dispatch catalogue (派遣目录), which
always decides first when it matches, and learned suggestions (智能派遣建议) for free-text
requests, dispatched automatically above a configurable confidence. Runs as the job
``cases.route_new_case`` the intake queues.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from threading import Lock

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from smartgov.cases import service
from smartgov.cases.classifier import DispatchModelError, Suggester, model_files, train_from_records
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


# Closed cases a training learns from: the newest ones (enough for every department, and quick).
TRAINING_LIMIT = 20_000
# Share of the newest closed cases held out to measure the model before it learns from them too.
HELD_OUT_SHARE = 0.2


@dataclass(frozen=True)
class TrainReport:
    """What one training produced (训练结果): where the model is, on what and how well."""

    path: Path
    training_size: int
    departments: int
    trained_at: str
    held_out_macro_f1: float | None
    baseline_macro_f1: float | None
    seconds: float


def train_from_closed_cases(session: Session, *, limit: int = TRAINING_LIMIT,
                            path: Path | None = None) -> TrainReport:
    """训练智能派遣模型: learn from the newest closed cases (label: the department that handled
    them), the newest fifth held out by time to measure it first; stores the model under var/.

    One fit after the held-out one, no model selection: fast enough to run at start-up.
    Raises DispatchModelError (a Chinese message) when fewer than two departments closed cases.
    """
    started = time.perf_counter()
    rows = list(service.dispatch_training_rows(session, limit=limit))[::-1]  # oldest first
    if not rows:
        raise DispatchModelError("还没有可用于训练的已结案案件")
    texts, labels = (list(column) for column in zip(*rows, strict=True))
    suggester = train_from_records(texts, labels, holdout=HELD_OUT_SHARE, time_ordered=True)
    saved = suggester.save(path)
    meta, held = suggester.metadata, suggester.metadata.get("holdout") or {}
    log.info("dispatch model trained on %s closed cases in %.1fs", meta["training_size"],
             time.perf_counter() - started)
    return TrainReport(saved, meta["training_size"], len(meta["labels"]), meta["trained_at"],
                       held.get("model_macro_f1"), held.get("baseline_macro_f1"),
                       round(time.perf_counter() - started, 2))


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
        except DispatchModelError as exc:  # an older format or a damaged file: no model until retrained
            log.warning("dispatch model ignored: %s", exc)
            suggester = None
        _cache[key] = (mtime, suggester)
        return suggester


def stored_model() -> tuple[str, dict]:
    """The stored model's state — 已训练 ``ready``, 未训练 ``missing`` or 无法使用 ``unusable``
    (an older format or a damaged file) — and its metadata when ready."""
    suggester = current_suggester()
    if suggester is not None:
        return "ready", suggester.metadata
    return ("unusable" if model_files(None)[0].exists() else "missing"), {}


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
