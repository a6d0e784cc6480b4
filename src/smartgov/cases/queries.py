"""Workbench queues, filters and search over cases (工作台队列)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, any_, bindparam, column, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases.models import Case, Category
from smartgov.cases.search import CASE_FTS, indexed_matches, matching_ids, sqlite_match
from smartgov.cases.service import visibility_clause, visibility_tokens
from smartgov.cases.workflow import OPEN_STATES, Status
from smartgov.org.models import Area, Department
from smartgov.workclock.timers import overdue_level as timers_overdue_level
from smartgov.workflow import requests


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    roles: frozenset[str]
    status: Status | None = None  # a queue of one state (待核实 …); None: a rule in queue_clause

    def visible_to(self, principal: Principal) -> bool:
        return principal.has_any(*self.roles)


def _r(*roles: Role) -> frozenset[str]:
    return frozenset(str(r) for r in roles)


ALL_STAFF = _r(
    Role.HOTLINE_OPERATOR,
    Role.INSPECTOR,
    Role.DUTY_CHIEF,
    Role.DISPATCHER,
    Role.HANDLER,
    Role.SUPERVISOR,
    Role.LEADER,
)
QUEUES: dict[str, Queue] = {
    q.name: q
    for q in (
        Queue("verify", "待核实", _r(Role.INSPECTOR, Role.DUTY_CHIEF), Status.REPORTED),
        Queue("file", "待立案", _r(Role.DUTY_CHIEF), Status.PENDING_FILE),
        Queue("dispatch", "待派遣", _r(Role.DISPATCHER, Role.DUTY_CHIEF), Status.PENDING_DISPATCH),
        Queue("handle", "待处置", _r(Role.HANDLER, Role.DISPATCHER, Role.DUTY_CHIEF), Status.HANDLING),
        Queue("recheck", "待核查", _r(Role.INSPECTOR, Role.DUTY_CHIEF), Status.PENDING_RECHECK),
        Queue("close", "待结案", _r(Role.DUTY_CHIEF), Status.PENDING_CLOSE),
        Queue("callback", "待回访", _r(Role.HOTLINE_OPERATOR, Role.DUTY_CHIEF), Status.PENDING_CALLBACK),
        Queue("exceptions", "待审核申请", _r(Role.DISPATCHER, Role.DUTY_CHIEF)),
        Queue("warning", "即将超期", ALL_STAFF),
        Queue("overdue", "已超期", ALL_STAFF),
        Queue(
            "supervised", "督办", _r(Role.SUPERVISOR, Role.HANDLER, Role.DUTY_CHIEF, Role.LEADER)
        ),
        Queue("all", "全部案件", ALL_STAFF),
    )
}

def queues_for(principal: Principal) -> list[Queue]:
    return [q for q in QUEUES.values() if q.visible_to(principal)]


def default_queue(principal: Principal) -> str:
    for name in ("handle", "verify", "file", "dispatch", "callback", "supervised", "all"):
        if QUEUES[name].visible_to(principal):
            return name
    return "all"


def queue_clause(name: str) -> Any:
    overdue_level = timers_overdue_level()
    open_states = [str(s) for s in OPEN_STATES]
    queue = QUEUES.get(name)
    if queue is not None and queue.status is not None:
        return Case.status == str(queue.status)
    if name == "warning":
        return (
            (Case.status.in_(open_states))
            & (Case.warning_level >= 1)
            & (Case.warning_level < overdue_level)
        )
    if name == "overdue":
        return (Case.status.in_(open_states)) & (Case.warning_level >= overdue_level)
    if name == "supervised":
        return Case.status.in_(open_states) & Case.is_supervised.is_(True)
    if name == "exceptions":
        return Case.id.in_(requests.waiting_subjects("case"))
    return Case.id.is_not(None)


@dataclass
class CaseFilter:
    queue: str = "all"
    q: str | None = None
    status: str | None = None
    category_id: int | None = None
    department_id: int | None = None
    source: str | None = None
    grid_id: int | None = None
    street_id: int | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    page: int = 1
    page_size: int = 20


# The index holds character bigrams, so a shorter query is matched by a scan of the text.
MIN_INDEXED_QUERY = 2


def contains_clause(text: str) -> Any:
    """Title or description containing ``text`` (case-insensitive; % and _ match themselves)."""
    return or_(Case.title.icontains(text, autoescape=True),
               Case.description.icontains(text, autoescape=True))


def search_clause(
    session: Session, text: str, scope: list[str] | None = None, after_id: int | None = None
) -> Any:
    """Full-text condition over title, description, address and case number (PostgreSQL's
    index), narrowed to ``scope`` tokens and to cases after ``after_id`` when given; a query
    without index terms (punctuation only) scans the text."""
    ids = matching_ids(session, text, scope, after_id)
    if ids is None:
        return contains_clause(text)
    return Case.id.in_(ids.columns(column("case_id")))


def exact_case_id(session: Session, text: str) -> int | None:
    """A search for a case number or tracking code finds that one case directly."""
    return session.scalar(
        select(Case.id).where(or_(Case.case_no == text, Case.tracking_code == text.upper())).limit(1)
    )


def find_cases(session: Session, principal: Principal, flt: CaseFilter) -> tuple[list[Case], int]:
    """One page of the cases this principal may see, newest first, with the (capped) total."""
    conditions = [visibility_clause(principal), queue_clause(flt.queue)]
    for field, value in (
        (Case.status, flt.status),
        (Case.category_id, flt.category_id),
        (Case.lead_department_id, flt.department_id),
        (Case.source, flt.source),
        (Case.grid_id, flt.grid_id),
        (Case.street_id, flt.street_id),
    ):
        if value:
            conditions.append(field == value)
    if flt.reported_from:
        conditions.append(Case.reported_at >= flt.reported_from)
    if flt.reported_to:
        conditions.append(Case.reported_at < flt.reported_to)
    stmt, order, joined = select(Case), Case.id.desc(), False
    query = (flt.q or "").strip()
    page_size = max(1, min(flt.page_size, 200))
    offset = (max(flt.page, 1) - 1) * page_size
    postgres = session.get_bind().dialect.name == "postgresql"
    searched: tuple[str, list[str] | None] | None = None
    if query:
        exact = exact_case_id(session, query)
        short = len(query) < MIN_INDEXED_QUERY
        match = None if exact or short else sqlite_match(session, query, visibility_tokens(principal))
        if exact:
            conditions.append(Case.id == exact)
        elif short:
            conditions.append(contains_clause(query))
        elif match is not None:
            stmt, joined = stmt.join(CASE_FTS, CASE_FTS.c.rowid == Case.id), True
            conditions.append(match)
            order = CASE_FTS.c.rowid.desc()
        elif postgres:
            searched = (query, visibility_tokens(principal))
        else:
            conditions.append(search_clause(session, query, visibility_tokens(principal)))
    if postgres:
        return newest_first_on_postgres(session, conditions, searched, offset, page_size)
    rows = session.scalars(stmt.where(*conditions).order_by(order).offset(offset).limit(page_size)).all()
    return list(rows), capped_count(session, conditions, joined=joined)


COUNT_CAP = 1_000

# PostgreSQL's planner walks the primary key backwards for "newest first, one page" whenever it
# believes matches are common; when they are in fact rare (a department's view of a queue it
# seldom has cases in, a word that department never sees) that walk reads the whole table.
PAGE_WINDOW = 20_000  # the newest case ids tried first for a page
SPARSE_SEARCH = 2_000  # matches a search takes from the full-text index at most
COUNT_WINDOW = 50_000  # the newest case ids counted first for the total


def newest_first_on_postgres(
    session: Session,
    conditions: list[Any],
    searched: tuple[str, list[str] | None] | None,
    offset: int,
    limit: int,
) -> tuple[list[Case], int]:
    """One page, newest first, and the capped total, without the planner's trap.

    The newest ``PAGE_WINDOW`` cases are tried first (a short range of the key); when they do
    not fill the page the matches are sparse, and are found through the other indexes and
    sorted (``id + 0`` keeps the planner off the key walk). The total is "1000+" when the
    newest ``COUNT_WINDOW`` cases already hold more; else every match is counted. A text
    search reads the windows of the search table in key order (search.matching_ids); beyond
    them it takes up to ``SPARSE_SEARCH`` matches from the full-text index
    (search.indexed_matches), and walks the index whole only when those neither hold all the
    matches nor prove "1000+". Ids are picked first, so the queue index (ix_case_record_queue)
    answers from its own entries without visiting the table; only the page's rows are read."""
    newest = session.scalar(select(func.max(Case.id))) or 0
    found: list[tuple[list[int], bool] | None] = []

    def indexed() -> tuple[list[int], bool] | None:
        if not found and searched is not None:
            found.append(indexed_matches(session, searched[0], searched[1], SPARSE_SEARCH))
        return found[0] if found else None

    def where(after_id: int | None, *, part: bool = False) -> list[Any]:
        extra = [] if after_id is None else [Case.id > after_id]
        if searched is None:
            return [*conditions, *extra]
        hits = indexed() if after_id is None else None
        if hits is not None and (hits[1] or part):
            extra.append(Case.id == any_(bindparam("found", hits[0], type_=ARRAY(Integer))))
        else:
            extra.append(search_clause(session, searched[0], searched[1], after_id))
        return [*conditions, *extra]

    page = select(Case.id).offset(offset).limit(limit)
    ids = session.scalars(page.where(*where(newest - PAGE_WINDOW)).order_by(Case.id.desc())).all()
    if len(ids) < limit:
        ids = session.scalars(page.where(*where(None)).order_by((Case.id + 0).desc())).all()
    rows = session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id.desc())).all() if ids else []
    if offset == 0 and len(rows) < limit:
        return list(rows), len(rows)  # the whole of it is on this page
    recent = capped_count(session, where(newest - COUNT_WINDOW))
    if recent > COUNT_CAP:
        return list(rows), recent
    if searched is not None and (hits := indexed()) is not None and not hits[1]:
        some = capped_count(session, where(None, part=True))
        if some > COUNT_CAP:
            return list(rows), some  # a part of the matches already proves "1000+"
    # sparse: counted from the other indexes (a search from its index's matches, up to the cap)
    return list(rows), capped_count(session, where(None))


def capped_count(session: Session, conditions: list[Any], cap: int | None = None, *,
                 joined: bool = False) -> int:
    """How many cases match, counted up to ``cap`` + 1 (pages show "1000+"): exact totals of
    huge queues cost a full scan and nobody pages through them."""
    cap = COUNT_CAP if cap is None else cap
    base = select(Case.id)
    if joined:
        base = base.join(CASE_FTS, CASE_FTS.c.rowid == Case.id)
    limited = base.where(*conditions).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


def queue_counts(session: Session, principal: Principal) -> dict[str, int]:
    """Cases waiting in each of this person's queues (capped like the page totals)."""
    vis = visibility_clause(principal)
    return {q.name: capped_count(session, [vis, queue_clause(q.name)])
            for q in queues_for(principal) if q.name != "all"}


def cases_per_grid(
    session: Session, principal: Principal, *, measure: str = "count", category: str | None = None,
    status: str | None = None, department: str | None = None,
    reported_from: datetime | None = None, reported_to: datetime | None = None,
) -> dict[str, int]:
    """Visible cases per grid code (all, or only the overdue ones) for the command map (指挥地图)."""

    conditions = [visibility_clause(principal), Case.grid_id.is_not(None)]
    if measure == "overdue":
        conditions += [Case.status.in_([str(s) for s in OPEN_STATES]),
                       Case.warning_level >= timers_overdue_level()]
    if category:
        conditions.append(
            Case.category_id == select(Category.id).where(Category.code == category).scalar_subquery())
    if status:
        conditions.append(Case.status == status)
    if department:
        conditions.append(Case.lead_department_id
                          == select(Department.id).where(Department.code == department).scalar_subquery())
    if reported_from:
        conditions.append(Case.reported_at >= reported_from)
    if reported_to:
        conditions.append(Case.reported_at < reported_to)
    rows = session.execute(
        select(Area.code, func.count(Case.id)).join(Area, Area.id == Case.grid_id)
        .where(*conditions).group_by(Area.code)
    ).all()
    return {code: count for code, count in rows}
