"""The case catalogue as read by every report (案件目录快照): classes, 12345 request types and
the dispatch catalogue (派遣目录), held in memory per database.

Every report needs its class, its stage limits and, for directly dispatched classes, the dispatch
rules; reading them from the database each time costs more than the rest of the intake. The
snapshot is rebuilt when this process changes any of those tables (at once, by a flush listener)
and at most every ``REFRESH_S`` seconds otherwise, so another process's edits are seen within
that time. The values are plain frozen records, safe to share between threads.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from smartgov.cases.models import Category, DispatchRule, RequestType
from smartgov.errors import ValidationFailed

REFRESH_S = 5.0  # other processes' catalogue edits are seen within this time


@dataclass(frozen=True)
class CategoryInfo:
    """What a report needs of its class (小类)."""

    id: int
    code: str
    name: str
    level: str
    is_active: bool
    needs_verify: bool
    direct_dispatch: bool
    default_department_id: int | None
    limits: dict[str, str]  # stage → limit text ("verify", "file", "dispatch", "handle", "recheck")
    attributes: tuple[dict[str, Any], ...] = ()  # 附加属性 a report of the class answers


@dataclass(frozen=True)
class RuleInfo:
    area_id: int | None
    department_id: int


@dataclass(frozen=True)
class Directory:
    categories_by_code: dict[str, CategoryInfo]
    categories: dict[int, CategoryInfo]
    request_types: dict[str, tuple[str, bool]]  # code → (handle limit, needs callback)
    rules: dict[int, list[RuleInfo]]  # category id → rules in order
    built_at: float = field(default_factory=time.monotonic)

    def minor_category(self, code: str) -> CategoryInfo:
        """The active minor class of this code, or a clear error for the reporter."""
        category = self.categories_by_code.get(code)
        if category is None or not category.is_active:
            raise ValidationFailed(f"未知的案件类别编码: {code}", code="unknown_category")
        if category.level != "minor":
            raise ValidationFailed(f"请选择小类，「{category.name}」是大类", code="major_category")
        return category

    def dispatch_department(self, category_id: int, area_ids: set[int]) -> int | None:
        """派遣目录: the first rule of the class whose area holds the case, else its default."""
        for rule in self.rules.get(category_id, ()):
            if rule.area_id is None or rule.area_id in area_ids:
                return rule.department_id
        category = self.categories.get(category_id)
        return category.default_department_id if category else None


_STAGES = ("verify", "file", "dispatch", "handle", "recheck")
_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Engine, Directory] = weakref.WeakKeyDictionary()
_generation = 0  # bumped when this process changes the catalogue


def build(session: Session) -> Directory:
    """Read the catalogue as rows (not as objects of the session, which may hold older values)."""
    limit_columns = [getattr(Category, f"{stage}_limit") for stage in _STAGES]
    categories = [
        CategoryInfo(
            id=row.id,
            code=row.code,
            name=row.name,
            level=row.level,
            is_active=row.is_active,
            needs_verify=row.needs_verify,
            direct_dispatch=row.direct_dispatch,
            default_department_id=row.default_department_id,
            limits=dict(zip(_STAGES, row[-len(_STAGES):], strict=True)),
            attributes=tuple(row.attributes or ()),
        )
        for row in session.execute(
            select(
                Category.id,
                Category.code,
                Category.name,
                Category.level,
                Category.is_active,
                Category.needs_verify,
                Category.direct_dispatch,
                Category.default_department_id,
                Category.attributes,
                *limit_columns,
            )
        )
    ]
    rules: dict[int, list[RuleInfo]] = {}
    for category_id, area_id, department_id in session.execute(
        select(DispatchRule.category_id, DispatchRule.area_id, DispatchRule.department_id).order_by(
            DispatchRule.priority, DispatchRule.id
        )
    ):
        rules.setdefault(category_id, []).append(RuleInfo(area_id, department_id))
    request_types = session.execute(
        select(RequestType.code, RequestType.handle_limit, RequestType.needs_callback)
    )
    return Directory(
        categories_by_code={c.code: c for c in categories},
        categories={c.id: c for c in categories},
        request_types={code: (limit, callback) for code, limit, callback in request_types},
        rules=rules,
    )


def current(session: Session) -> Directory:
    """The snapshot for this session's database (rebuilt when stale)."""
    bind = session.get_bind()
    engine: Engine = getattr(bind, "engine", bind)
    with _lock:
        cached = _cache.get(engine)
        generation = _generation
    if cached is not None and time.monotonic() - cached.built_at < REFRESH_S:
        return cached
    directory = build(session)
    with _lock:
        if generation == _generation:  # not changed meanwhile by this process
            _cache[engine] = directory
    return directory


def forget() -> None:
    """Drop every snapshot (this process changed the catalogue, or a test reset the database)."""
    global _generation
    with _lock:
        _generation += 1
        _cache.clear()


_WATCHED = (Category, DispatchRule, RequestType)


@event.listens_for(Session, "after_flush")
def _catalogue_flushed(session: Session, _context: Any) -> None:
    """This process wrote to the catalogue: the next report reads it afresh (also after a
    rollback, which ``forget`` covers because the snapshot is simply rebuilt)."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            session.info["catalogue_changed"] = True
            forget()
            return


@event.listens_for(Session, "after_commit")
def _catalogue_committed(session: Session) -> None:
    if session.info.pop("catalogue_changed", False):
        forget()  # a report read between the flush and the commit may have cached the old rows


@event.listens_for(Session, "after_rollback")
def _catalogue_rolled_back(session: Session) -> None:
    if session.info.pop("catalogue_changed", False):
        forget()
