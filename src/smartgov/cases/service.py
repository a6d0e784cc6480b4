"""一网统管 operations: the one intake function and every workflow action on a case.

Every channel (portal, hotline, inspector, superior, sensor, opinion, Open311) calls
``intake``; the report is committed with its follow-up queued as a job (``cases.jobs``), which
runs after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from smartgov import jobs
from smartgov.auth import audit
from smartgov.auth.models import AuditEntry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import CITYWIDE_ROLES, Role
from smartgov.cases import clocks, notices
from smartgov.cases.attributes import checked_answers
from smartgov.cases.catalogue import directory
from smartgov.cases.models import (
    SUBJECT,
    Case,
    CaseHelper,
    CaseReporter,
    Category,
    CitizenFeedback,
    Supervision,
)
from smartgov.cases.schemas import (
    MACHINE_SOURCES,
    PUBLIC_SOURCES,
    ActionInput,
    CaseIntake,
    CitizenFeedbackIn,
    Source,
)
from smartgov.cases.search import index_case
from smartgov.cases.workflow import (
    CASE_FLOW,
    CITIZEN_FEEDBACK_MOVES,
    DISSATISFIED,
    PUBLIC_LABELS,
    SATISFACTION_LEVELS,
    Status,
)
from smartgov.db import now
from smartgov.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartgov.org.models import Area, Department
from smartgov.text import join_fields, simhash, summary_of
from smartgov.workclock.models import WorkTimer
from smartgov.workflow import engine, requests, timeline
from smartgov.workflow.models import PendingRequest, TimelineEvent

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- lookups -----------------------------------------------------------------------------------


def department_by_code(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise ValidationFailed(f"未知的部门编码: {code}", code="unknown_department")
    return dept


def new_tracking_code() -> str:
    """A 10-character code that is hard to guess (查询码), grouped for reading aloud on the phone."""
    raw = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


# --- intake ------------------------------------------------------------------------------------


def locate(session: Session, case: Case, data: CaseIntake) -> None:
    """Put the case on its unit grid (by point or by grid code); outside the district is an error."""
    if data.lon is not None and data.lat is not None:
        from smartgov.org.geo import get_locator

        found = get_locator(session).locate(data.lon, data.lat)
        case.grid_id, case.community_id, case.street_id = (
            found.grid_id,
            found.community_id,
            found.street_id,
        )
        return
    if data.grid_code:
        grid = session.scalar(select(Area).where(Area.code == data.grid_code, Area.level == "grid"))
        if grid is None:
            raise ValidationFailed(f"未知的网格编码: {data.grid_code}", code="unknown_grid")
        case.grid_id = grid.id
        community = session.get(Area, grid.parent_id) if grid.parent_id else None
        case.community_id = community.id if community else None
        case.street_id = community.parent_id if community else None
        if grid.center_lon is not None:
            case.lon, case.lat = grid.center_lon, grid.center_lat


# Who may report through each staff channel (and close at once / fix on the spot).
CHANNEL_ROLES: dict[Source, tuple[Role, ...]] = {
    Source.HOTLINE: (Role.HOTLINE_OPERATOR, Role.DUTY_CHIEF),
    Source.INSPECTOR: (Role.INSPECTOR,),
    Source.SUPERIOR: (Role.DUTY_CHIEF, Role.DISPATCHER),
    Source.SENSOR: (Role.DUTY_CHIEF, Role.SYSTEM_ADMIN),
    Source.OPINION: (Role.DUTY_CHIEF, Role.SYSTEM_ADMIN, Role.OPINION_OFFICER),
}


def check_channel(data: CaseIntake, principal: Principal) -> None:
    """A staff channel needs its role; only a hotline operator answers and closes at once, only an
    inspector fixes on the spot."""
    roles = CHANNEL_ROLES.get(data.source)
    if roles and not principal.has_any(*roles):
        raise Forbidden(f"来源「{data.source.label}」不能由当前账号使用", code="channel_forbidden")
    if data.answer and not (data.source == Source.HOTLINE
                            and principal.has_any(Role.HOTLINE_OPERATOR, Role.DUTY_CHIEF)):
        raise Forbidden("只有话务员受理热线时可以直接答复办结", code="answer_not_allowed")
    if data.self_handled and data.source != Source.INSPECTOR:
        raise ValidationFailed("只有监督员可以自行处置", code="self_handle_not_allowed")


def check_reporter(data: CaseIntake, principal: Principal) -> None:
    """A citizen's online report (portal or API) can be followed up: an anonymous reporter
    leaves a phone number (核实和回访), and the problem has a place (a point, a grid or an
    address) so it can be put on a grid and verified."""
    if data.source not in (Source.PORTAL, Source.API):
        return
    if principal.is_anonymous and not data.reporter_phone:
        raise ValidationFailed("匿名报事请留下联系电话，便于核实和回访", code="phone_required")
    if data.lon is None and not data.grid_code and not data.address:
        raise ValidationFailed("请在地图上点选位置或填写地址", code="location_required")


def initial_status(data: CaseIntake, category: Category | None) -> Status:
    """Where a new report starts (信息收集之后):

    - an operator's direct answer and an inspector's on-the-spot fix are closed at once;
    - an inspector's own report, a hotline order (the operator has spoken with the caller) and a
      machine alarm wait for the duty chief to file (立案);
    - a superior's assignment (上级交办) is already filed and waits for dispatch;
    - other public reports are first verified (核实) by the grid's inspector, unless the class
      says verification is not needed.
    """
    if data.answer:
        return Status.CLOSED
    if data.source == Source.INSPECTOR:
        return Status.CLOSED if data.self_handled else Status.PENDING_FILE
    if data.source == Source.SUPERIOR:
        return Status.PENDING_DISPATCH
    if data.source in MACHINE_SOURCES or data.source == Source.HOTLINE:
        return Status.PENDING_FILE
    if category is None or not category.needs_verify:
        return Status.PENDING_FILE  # free text: the duty chief classifies and files
    return Status.REPORTED


def case_title(data: CaseIntake, category: Category | None) -> str:
    """案件标题: the title the reporter gave, else the class and a summary of the description cut
    at a sentence or clause end, never mid-word."""
    given = " ".join((data.title or "").split())
    if given:
        return given
    head = summary_of(data.description)
    return f"{category.name}：{head}" if category else head


def wants_callback(data: CaseIntake, principal: Principal, request_type: tuple[str, bool] | None) -> bool:
    """回访: hotline and online orders with someone to call back, unless the 12345 request type
    needs none (咨询, 表扬)."""
    if request_type is not None and not request_type[1]:
        return False
    return data.source in CALLBACK_SOURCES and bool(data.reporter_phone or principal.user)


CALLBACK_SOURCES = (Source.HOTLINE, Source.PORTAL, Source.PETITION, Source.API, Source.OPEN311)
_CASE_ROW = Case.__table__
# Built once: statements run on every report (building one costs more than running it).
_INSERT_CASE = insert(_CASE_ROW).returning(_CASE_ROW.c.id)
_NUMBER_CASE = (
    update(_CASE_ROW).where(_CASE_ROW.c.id == bindparam("case_id")).values(case_no=bindparam("case_no"))
)
_INSERT_EVENTS = insert(TimelineEvent.__table__)
_INSERT_CLOCK = insert(WorkTimer.__table__)
_INSERT_REPORTER = insert(CaseReporter.__table__)
_INSERT_AUDIT = insert(AuditEntry.__table__)
# Channels whose reference names one event (告警编号, 舆情编号): the same event files one case, so
# a follow-up job retried after a crash finds the case it already filed.
ONE_CASE_PER_REFERENCE = frozenset({str(Source.SENSOR), str(Source.OPINION)})


def filed_for(session: Session, source: str, source_ref: str) -> Case | None:
    """The case already filed for this channel's event reference, if any."""
    return session.scalar(select(Case).where(Case.source == source, Case.source_ref == source_ref)
                          .order_by(Case.id).limit(1))


def intake(
    session: Session,
    data: CaseIntake,
    *,
    principal: Principal,
    client_addr: str | None = None,
    open311_client_id: int | None = None,
    at: datetime | None = None,
) -> Case:
    """收集: record one report from any channel and commit it before anything else happens.

    This runs for every report, so the case and its other rows (number, reporter, timeline,
    clock, search index, audit) are written as plain statements in one transaction; the returned
    case is an ordinary persistent object of the session.
    """
    at = at or now()
    if data.source_ref and str(data.source) in ONE_CASE_PER_REFERENCE:
        check_channel(data, principal)
        if (filed := filed_for(session, str(data.source), data.source_ref)) is not None:
            return filed
    catalogue = directory.current(session)
    category = catalogue.minor_category(data.category_code) if data.category_code else None
    request_type = None
    if data.request_type:
        request_type = catalogue.request_types.get(data.request_type)
        if request_type is None:
            raise ValidationFailed(f"未知的诉求类型: {data.request_type}", code="unknown_request_type")
    check_channel(data, principal)
    answers = checked_answers(category.attributes if category else None, data.attributes)
    status = initial_status(data, category)
    citizen = principal.user if principal.user and not principal.is_staff else None
    case = Case(
        tracking_code=new_tracking_code(),
        source=str(data.source),
        source_ref=data.source_ref,
        request_type=data.request_type,
        category_id=category.id if category else None,
        title=case_title(data, category),
        description=data.description.strip(),
        address=data.address,
        lon=data.lon,
        lat=data.lat,
        urgency=data.urgency,
        status=str(status),
        reporter_user_id=citizen.id if citizen else None,
        reporter_name=data.reporter_name or (citizen.display_name if citizen else None),
        reporter_phone=data.reporter_phone or (citizen.phone if citizen else None),
        created_by_id=principal.user_id,
        open311_client_id=open311_client_id,
        reported_at=at,
        updated_at=at,
        needs_callback=wants_callback(data, principal, request_type),
        helpers=[],  # a new case has none; saying so spares a query when it is indexed
    )
    locate(session, case, data)  # a place outside the district is the first thing to hear
    check_reporter(data, principal)
    case.simhash = simhash(f"{case.title} {case.description}")
    events, clock = _intake_outcome(session, case, data, principal, status, at)
    if answers:  # 附加信息 stay with the report, on its first timeline entry
        events[0]["data"] = {**(events[0]["data"] or {}), "attributes": answers}
    _write_new_case(session, case)
    _write_intake_rows(session, case, events, clock, principal, client_addr)
    if _needs_routing(session, case):
        jobs.enqueue(session, "cases.route_new_case", case_id=case.id)
    session.commit()
    return case


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


def _needs_routing(session: Session, case: Case) -> bool:
    return needs_routing(session, case.category_id, case.status)


def settled(session: Session, case: Case) -> Case:
    """The new case as its follow-up left it: re-read when routing was queued for it (by the
    time the response is written an inline or fast worker may have dispatched it)."""
    if _needs_routing(session, case):
        session.refresh(case)
    return case


def _write_intake_rows(
    session: Session,
    case: Case,
    events: list[dict[str, Any]],
    clock: dict[str, Any] | None,
    principal: Principal,
    client_addr: str | None,
) -> None:
    """案件编号, reporter, timeline, first clock, search index and audit line of a new case."""
    conn = session.connection()
    case_no = f"{case.reported_at:%Y%m%d}{case.id:08d}"
    conn.execute(_NUMBER_CASE, {"case_id": case.id, "case_no": case_no})
    set_committed_value(case, "case_no", case_no)
    for row in [*events, clock]:
        if row is not None:
            row["subject_id"] = case.id
    conn.execute(_INSERT_EVENTS, events)
    if clock is not None:
        conn.execute(_INSERT_CLOCK, clock)
    reporter = {
        "case_id": case.id,
        "user_id": case.reporter_user_id,
        "name": case.reporter_name,
        "phone": case.reporter_phone,
        "source": case.source,
        "reported_at": case.reported_at,
    }
    conn.execute(_INSERT_REPORTER, reporter)
    index_case(conn, case, new=True)
    audit_line = audit.entry_values(
        action="case.intake",
        actor=principal.user,
        object_type="case",
        object_id=case.id,
        client_addr=client_addr,
        detail={"source": case.source, "status": case.status, "grid_id": case.grid_id},
    )
    conn.execute(_INSERT_AUDIT, audit_line)


def _write_new_case(session: Session, case: Case) -> None:
    """INSERT the new case as one plain statement and attach it to the session as a persistent
    object (the unit of work costs more than the rest of the intake together)."""
    values: dict[str, Any] = {}
    for column in _CASE_ROW.columns:
        if column.key == "id":
            continue
        value = getattr(case, column.key)
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
            setattr(case, column.key, value)
        values[column.key] = value
    case.id = session.connection().execute(_INSERT_CASE, values).scalar_one()
    make_transient_to_detached(case)
    session.add(case)


def _intake_outcome(
    session: Session,
    case: Case,
    data: CaseIntake,
    principal: Principal,
    status: Status,
    at: datetime,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The new case's timeline entries and its first stage clock (None when closed at once);
    the case's dates and due times are set here, before it is written."""
    events = [
        event_values(None, principal, "collect", None, status, data.description[:200], at=at,
                     data={"source": case.source})
    ]
    if status == Status.CLOSED:
        case.closed_at = case.handled_at = at
        case.self_handled = data.self_handled
        case.result_note = data.answer or "监督员已现场自行处置"
        case.needs_callback = False
        action_name = "self_handle" if data.self_handled else "answer_close"
        events.append(event_values(None, principal, action_name, status, status, case.result_note, at=at))
        return events, None
    if status == Status.PENDING_FILE and data.source == Source.INSPECTOR:
        case.verified_at = at  # an inspector's own report needs no separate verification
    stage = CASE_FLOW.stage_of(status)
    assert stage is not None, status  # a new case that is not closed waits in a timed stage
    clock = clocks.clock_values(session, case, stage, at)
    case.due_at = clock["due_at"]
    case.warning_level = 0
    case.expected_at = clocks.handling_due(session, case, at)
    return events, clock


# --- visibility (permission layer applied to queries) -----------------------------------------


def visibility_clause(principal: Principal) -> Any:
    """SQL condition for the cases this principal may see; False for anonymous visitors."""
    from sqlalchemy import false

    if principal.is_anonymous:
        return false()
    if not principal.is_staff:
        return Case.reporter_user_id == principal.user_id
    parts = []
    if principal.has_any(*CITYWIDE_ROLES):
        if not principal.area_ids:
            return Case.id.is_not(None)
        parts.append(Case.grid_id.in_(principal.area_ids))
        parts.append(Case.street_id.in_(principal.area_ids))
    if principal.has_any(Role.HANDLER) and principal.area_ids:
        parts.append(Case.street_id.in_(principal.area_ids))  # 属地: a street office's street
        parts.append(Case.grid_id.in_(principal.area_ids))
    if principal.has_any(Role.HANDLER) and principal.department_id is not None:
        helper_cases = select(CaseHelper.case_id).where(CaseHelper.department_id == principal.department_id)
        parts.append(Case.lead_department_id == principal.department_id)
        parts.append(Case.id.in_(helper_cases))
    if principal.has_any(Role.INSPECTOR):
        if principal.area_ids:
            parts.append(Case.grid_id.in_(principal.area_ids))
        parts.append(Case.created_by_id == principal.user_id)
    return or_(*parts) if parts else false()


def visibility_tokens(principal: Principal) -> list[str] | None:
    """The search-index form of ``visibility_clause`` (search.scope_tokens): None when the
    principal sees the whole district, else the tokens of which a visible case has one."""
    from smartgov.cases.search import SCOPE_PREFIX as P

    if principal.is_anonymous or not principal.is_staff:
        return [f"{P}r{principal.user_id or 0}"]
    if principal.has_any(*CITYWIDE_ROLES) and not principal.area_ids:
        return None
    tokens: list[str] = []
    areas = sorted(principal.area_ids)
    if principal.has_any(*CITYWIDE_ROLES) or principal.has_any(Role.HANDLER):
        tokens += [f"{P}g{a}" for a in areas] + [f"{P}s{a}" for a in areas]
    if principal.has_any(Role.HANDLER) and principal.department_id is not None:
        tokens += [f"{P}d{principal.department_id}", f"{P}h{principal.department_id}"]
    if principal.has_any(Role.INSPECTOR):
        tokens += [f"{P}g{a}" for a in areas] + [f"{P}u{principal.user_id}"]
    return sorted(set(tokens)) or [f"{P}none"]


def get_case(session: Session, case_id: int, principal: Principal) -> Case:
    """The case if this principal may see it; 404 otherwise (existence is not disclosed)."""
    case = session.scalar(select(Case).where(Case.id == case_id, visibility_clause(principal)))
    if case is None:
        raise NotFound("案件不存在或无权查看", code="case_not_found")
    return case


def case_visible(session: Session, case_id: int, principal: Principal) -> bool:
    """Whether this principal may see the case (the yes/no form of ``get_case``)."""
    found = session.scalar(select(Case.id).where(Case.id == case_id, visibility_clause(principal)).limit(1))
    return found is not None


def check_may_attach(case: Case, principal: Principal) -> None:
    """Photos and files are added by whoever has a part in the case now: its reporter or
    recorder, or staff who may take an action on it (seeing a case is not enough)."""
    if principal.user_id is not None and principal.user_id in (case.reporter_user_id, case.created_by_id):
        return
    if principal.is_staff and CASE_FLOW.allowed(case, principal):
        return
    raise Forbidden("只有案件的报告人或当前办理人员可以上传照片", code="attach_not_allowed")


def case_by_tracking_code(session: Session, code: str) -> Case:
    case = session.scalar(select(Case).where(Case.tracking_code == code.strip().upper()))
    if case is None:
        raise NotFound("查询码不存在，请核对后重试", code="tracking_code_not_found")
    return case


# --- workflow actions --------------------------------------------------------------------------


def add_event(session: Session, case: Case, *args: Any, **kwargs: Any) -> TimelineEvent:
    """Add one entry to the case's timeline (流转记录); the arguments after the case are those of
    ``event_values``: principal, action name, from and to status, note, ``at=`` and ``data=``."""
    return timeline.record(session, SUBJECT, case.id, *args, **kwargs)


def event_values(case_id: int | None, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The columns of one timeline entry of a case (for bulk inserts); the system acts as 系统."""
    return timeline.values(SUBJECT, case_id, *args, **kwargs)


def timeline_of(session: Session, *case_ids: int) -> list[TimelineEvent]:
    """The timeline of one or more cases, in the order it happened."""
    return timeline.entries(session, SUBJECT, case_ids)


def act(
    session: Session,
    case_id: int,
    name: str,
    data: ActionInput,
    *,
    principal: Principal,
    client_addr: str | None = None,
    at: datetime | None = None,
) -> Case:
    """Do one workflow action; refuses with 409/403 and a clear message when not allowed."""
    CASE_FLOW.action(name)  # an unknown action is a 404 before the case is looked up
    case = get_case(session, case_id, principal)
    return engine.act(
        session, CASE_FLOW, case, name, data, principal=principal, version=data.version,
        note=data.note, client_addr=client_addr, at=at,
        event_data=data.model_dump(exclude_none=True, exclude={"note", "version"}) or None,
        audit_detail={k: v for k, v in (("master_case_id", data.master_case_id),
                                        ("master_case_no", data.master_case_no)) if v} or None,
    )


def _move(session: Session, case: Case, status: Status, at: datetime, actor: Principal | None = None) -> None:
    """Put the case in ``status``; the engine runs the timer of the stage it enters."""
    engine.move(session, CASE_FLOW, case, status, at, actor_id=actor.user_id if actor else None)


def _verify(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    case.verified_at = at
    _move(session, case, Status.PENDING_FILE, at)


def _void(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    case.result_note = data.note
    case.closed_at = at
    _move(session, case, Status.VOID, at)


def _file(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    if data.category_code:
        case.category_id = directory.current(session).minor_category(data.category_code).id
    if case.category_id is None:
        raise ValidationFailed("立案须选择案件类别", code="category_required")
    case.filed_at = at
    case.verified_at = case.verified_at or at
    _move(session, case, Status.PENDING_DISPATCH, at)


def dispatch_to(
    session: Session,
    case: Case,
    department: Department,
    at: datetime,
    helpers: Sequence[Department] = (),
    principal: Principal | None = None,
) -> None:
    """派遣: send to one lead department (主办) and optional helpers (协办); the disposal clock starts
    and each department finds the case in its inbox."""
    case.lead_department_id = department.id
    case.helpers = [CaseHelper(department_id=d.id) for d in helpers if d.id != department.id]
    case.dispatched_at = at
    _move(session, case, Status.HANDLING, at, actor=principal)
    case.expected_at = case.due_at
    index_case(session, case)  # the department may now find it
    notices.notify_department(
        session, case, department.id, "dispatched", f"新派遣案件 {case.case_no}：{case.title}"
    )
    for helper in case.helpers:
        notices.notify_department(
            session, case, helper.department_id, "assist", f"新协办案件 {case.case_no}：{case.title}"
        )


def catalogue_department(session: Session, case: Case) -> Department | None:
    """派遣目录: the first rule of this category whose area contains the case, else the default."""
    if case.category_id is None:
        return None
    case_areas = {a for a in (case.grid_id, case.community_id, case.street_id) if a}
    department_id = directory.current(session).dispatch_department(case.category_id, case_areas)
    return session.get(Department, department_id) if department_id else None


def proposed_department(session: Session, case: Case, suggestions: Sequence[Any] = ()) -> Department | None:
    """拟派部门: what the dispatch form proposes — the dispatch catalogue's rule for the case's area,
    else its class's default department, else the top learned suggestion (智能派遣建议); None
    when none of them names a department (the dispatcher chooses)."""
    department = catalogue_department(session, case)
    if department is not None:
        return department
    for suggestion in suggestions[:1]:
        if suggestion.department_id is not None:
            return session.get(Department, suggestion.department_id)
    return None


def _dispatch(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    if not data.department_code:
        raise ValidationFailed("请选择主办部门", code="department_required")
    lead = department_by_code(session, data.department_code)
    helpers = [department_by_code(session, c) for c in data.helper_codes]
    case.auto_dispatched = False
    dispatch_to(session, case, lead, at, helpers, p)


def close_case(session: Session, case: Case, at: datetime, principal: Principal | None) -> None:
    """结案: closes the case (and every case merged into it); 12345 orders then wait for 回访."""
    case.closed_at = at
    if case.needs_callback:
        _move(session, case, Status.PENDING_CALLBACK, at)
    else:
        _move(session, case, Status.CLOSED, at)
    close_merged_cases(session, case, at)


def close_merged_cases(session: Session, master: Case, at: datetime) -> None:
    """Closing the master closes every case merged into it (并单随主案件办结) and tells every
    reporter not yet told the result."""
    for child in session.scalars(select(Case).where(Case.merged_into_id == master.id)):
        child.closed_at = at
        child.result_note = master.result_note
        child.updated_at = at
    notices.tell_reporters(session, master, at)


def _report_back(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    withdraw_pending_request(session, case, at, "已处置反馈，案件离开处置环节")
    case.handled_at = at
    case.result_note = data.note
    category = session.get(Category, case.category_id) if case.category_id else None
    if category is None or category.needs_recheck:
        _move(session, case, Status.PENDING_RECHECK, at)
    else:
        close_case(session, case, at, p)  # 承办单位办结: no on-site re-check for this class


def _request(kind: str):  # type: ignore[no-untyped-def]
    def handler(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
        if kind == "extension":
            if not data.extension:
                raise ValidationFailed("请填写延期时长，例如 2wd", code="extension_required")
            from smartgov.workclock.service import TimeLimit

            data.extension = str(TimeLimit.parse(data.extension))
        requests.open_request(session, SUBJECT, case.id, kind, data.note or "", at=at,
                              extension=data.extension, department_id=p.department_id,
                              requested_by_id=p.user_id)

    return handler


def pending_exception(session: Session, case: Case) -> PendingRequest | None:
    """The exception request waiting for a decision (there is at most one)."""
    return requests.pending(session, SUBJECT, case.id)


def available_actions(case: Case, principal: Principal, *, request_waiting: bool) -> list[Any]:
    """What this person can do on the case now: 审核申请 only while a request waits."""
    return CASE_FLOW.allowed(case, principal, waiting=["*"] if request_waiting else [])


def cases_with_waiting_requests(session: Session, case_ids: Sequence[int]) -> set[int]:
    """Which of these cases have an exception request waiting for a decision (one query)."""
    return requests.subjects_with_pending(session, SUBJECT, case_ids)


EXCEPTION_KIND_LABELS = {"return": "回退", "extension": "延期", "park": "挂账", "objection": "派单异议"}


def withdraw_pending_request(session: Session, case: Case, at: datetime, reason: str) -> None:
    """A request still waiting when the case leaves handling lapses (撤回): status ``withdrawn``,
    a note on the timeline, and the exceptions queue no longer lists it."""
    request = pending_exception(session, case)
    if request is None:
        return
    requests.withdraw(request, at=at, reason=reason)
    label = EXCEPTION_KIND_LABELS.get(request.kind, request.kind)
    add_event(session, case, None, "withdraw_exception", case.status, case.status,
              f"待审核的{label}申请已撤回：{reason}", at=at,
              data={"exception_id": request.id, "kind": request.kind})


def _decide_exception(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    request = pending_exception(session, case)
    if request is None or (data.exception_id and data.exception_id != request.id):
        raise Conflict("没有待审核的申请", code="no_pending_exception")
    requests.decide(request, data.approve, by_id=p.user_id, at=at, note=data.note)
    if not data.approve:
        return
    if request.kind in ("return", "objection"):
        case.return_count += 1
        case.lead_department_id = None
        case.helpers = []
        _move(session, case, Status.PENDING_DISPATCH, at)
        index_case(session, case)
    elif request.kind == "extension":
        clocks.extend_stage(session, case, request.extension or "1wd")
        case.expected_at = case.due_at
    elif request.kind == "park":
        case.status = str(Status.PARKED)
        clocks.pause_stage(session, case, at, request.reason)


def _unpark(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    case.status = str(Status.HANDLING)
    clocks.resume_stage(session, case, at)
    case.expected_at = case.due_at


def _recheck_pass(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    _move(session, case, Status.PENDING_CLOSE, at)


def _recheck_fail(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    """返工: back to the department with a new handling clock; counts against it."""
    case.rework_count += 1
    _move(session, case, Status.HANDLING, at)
    case.expected_at = case.due_at
    notices.notify_department(
        session,
        case,
        case.lead_department_id,
        "rework",
        f"案件 {case.case_no} 核查未通过，请返工：{data.note or ''}",
    )


def _close(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    close_case(session, case, at, p)


def _callback(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    if not data.satisfaction:
        raise ValidationFailed("请选择回访结果：满意、基本满意或不满意", code="satisfaction_required")
    case.satisfaction = data.satisfaction
    _move(session, case, Status.CLOSED, at)


def _reopen(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    """重办: a justified 不满意 sends the order back to its department with a new clock.

    The 不满意 answer stays on the case (the 满意率 counts it) until the next callback replaces
    it; its callback event keeps it for good. Every reporter is told again at the next close."""
    case.reopen_count += 1
    case.closed_at = None
    for reporter in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)):
        reporter.notified_at = None
    for child in session.scalars(select(Case).where(Case.merged_into_id == case.id)):
        child.closed_at = None  # merged cases follow their master (并单随主案件)
        child.updated_at = at
        add_event(session, child, p, "reopen", child.status, child.status,
                  f"所并入的案件 {case.case_no} 重办，本案随之重新办理", at=at,
                  data={"master_case_id": case.id})
    _move(session, case, Status.HANDLING, at)
    case.expected_at = case.due_at
    notices.notify_department(
        session,
        case,
        case.lead_department_id,
        "reopen",
        f"案件 {case.case_no} 回访不满意，请重办：{data.note or ''}",
    )


def _supervise(kind: str):  # type: ignore[no-untyped-def]
    def handler(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
        session.add(Supervision(case_id=case.id, kind=kind, note=data.note or "", by_id=p.user_id, at=at))
        if kind == "supervise":
            case.is_supervised = True

        notices.notify_department(
            session,
            case,
            case.lead_department_id,
            kind,
            f"案件 {case.case_no} 被{'督办' if kind == 'supervise' else '催办'}：{data.note}",
        )

    return handler


def _merge_master(session: Session, case: Case, data: ActionInput, p: Principal) -> Case:
    """The case to merge into (主案件), named by its case number (案件编号, what staff see) or id."""
    if data.master_case_no:
        number = data.master_case_no.strip()
        master = session.scalar(select(Case).where(Case.case_no == number, visibility_clause(p)))
        if master is None:
            raise ValidationFailed(f"未找到案件编号为「{number[:40]}」的案件，请核对后重试",
                                   code="master_not_found")
        data.master_case_id = master.id
    if not data.master_case_id:
        raise ValidationFailed("请填写要并入的主案件编号", code="master_required")
    if data.master_case_id == case.id:
        raise ValidationFailed("不能并入本案件自身，请填写另一件案件的编号", code="master_required")
    return get_case(session, data.master_case_id, p)


def _merge(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    """并单: this report joins the open case of the same problem; every reporter is kept and is
    told when the master closes. Cases already merged into this one move with it to the master.

    Only a case not yet closed can be a master (DOMAIN §2.3: merged into the open case): a
    problem reported again after its case was closed (结案) has come back, and is handled as a
    case of its own."""
    master = _merge_master(session, case, data, p)
    status = Status(master.status)
    if not status.is_open or status == Status.PENDING_CALLBACK or master.merged_into_id:
        raise Conflict(
            f"主案件{status.label}，不能并入：只能并入尚未办结的案件，已办结后再次反映的问题请单独办理",
            code="master_not_open",
        )
    for reporter in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)):
        session.add(
            CaseReporter(
                case_id=master.id,
                original_case_id=reporter.original_case_id or case.id,
                user_id=reporter.user_id,
                name=reporter.name,
                phone=reporter.phone,
                source=reporter.source,
                reported_at=reporter.reported_at,
            )
        )
    children = session.scalars(select(Case).where(Case.merged_into_id == case.id)).all()
    for child in children:  # 并单链: B's own duplicates now belong to A
        child.merged_into_id = master.id
        child.updated_at = at
        add_event(
            session,
            child,
            p,
            "merge",
            child.status,
            child.status,
            f"所并入的案件 {case.case_no} 已并入案件 {master.case_no}，随之改并",
            at=at,
            data={"master_case_id": master.id, "via_case_id": case.id},
        )
    case.merged_into_id = master.id
    _move(session, case, Status.MERGED, at)
    master.updated_at = at
    also = f"（连同已并入它的 {'、'.join(c.case_no or str(c.id) for c in children)}）" if children else ""
    add_event(
        session,
        master,
        p,
        "merged_in",
        master.status,
        master.status,
        f"并入案件 {case.case_no}{also}",
        at=at,
        data={"merged_case_id": case.id, "with_case_ids": [c.id for c in children]},
    )


HANDLERS = {
    "verify": _verify,
    "verify_false": _void,
    "file": _file,
    "void": _void,
    "dispatch": _dispatch,
    "report_back": _report_back,
    "request_return": _request("return"),
    "request_extension": _request("extension"),
    "request_park": _request("park"),
    "object": _request("objection"),
    "decide_exception": _decide_exception,
    "unpark": _unpark,
    "recheck_pass": _recheck_pass,
    "recheck_fail": _recheck_fail,
    "close": _close,
    "callback": _callback,
    "reopen": _reopen,
    "supervise": _supervise("supervise"),
    "remind": _supervise("remind"),
    "merge": _merge,
}
CASE_FLOW.bind_effects(HANDLERS)


# --- 群众评价: the reporter confirms the fix and rates the handling ------------------------------

FEEDBACK_ATTEMPTS = 5  # wrong phone tails per case within FEEDBACK_LOCK before the tracking page refuses
FEEDBACK_LOCK = timedelta(hours=1)
FEEDBACK_COMMENT_MAX = 500
# Channels whose reporter's 不满意 or 未解决 goes to the supervisors at once: 12345 and online.
FLAGGED_SOURCES = PUBLIC_SOURCES
ANONYMOUS_REPORTER = "报事人（凭查询码）"


def handled_case(session: Session, case: Case) -> Case:
    """The case that was handled for this report: the one it was merged into (并单), else itself."""
    if case.merged_into_id:
        return session.get(Case, case.merged_into_id) or case
    return case


def feedback_given(session: Session, reported: Case, handled: Case) -> CitizenFeedback | None:
    """The reporter's feedback on the handled case's current closing, if given."""
    return session.scalar(
        select(CitizenFeedback).where(CitizenFeedback.reported_case_id == reported.id,
                                      CitizenFeedback.closing == handled.reopen_count)
    )


def feedback_open(session: Session, reported: Case, handled: Case) -> bool:
    """Whether the reporter may give feedback now: handled and closed, not yet rated this closing."""
    return (Status(handled.status) in CITIZEN_FEEDBACK_MOVES
            and feedback_given(session, reported, handled) is None)


def _check_feedback_choices(data: CitizenFeedbackIn) -> None:
    if data.resolved is None:
        raise ValidationFailed("请选择问题是否已解决：确认已解决或未解决", code="resolved_required")
    if data.satisfaction not in SATISFACTION_LEVELS:
        raise ValidationFailed("请选择满意度：满意、基本满意或不满意", code="satisfaction_required")
    if not data.resolved and data.satisfaction != DISSATISFIED:
        raise ValidationFailed("问题未解决时，满意度请选择「不满意」", code="unresolved_needs_dissatisfied")
    if data.comment and len(data.comment.strip()) > FEEDBACK_COMMENT_MAX:
        raise ValidationFailed(f"评价说明请控制在{FEEDBACK_COMMENT_MAX}字以内", code="comment_too_long")


def _reporter_proof(
    session: Session, reported: Case, data: CitizenFeedbackIn, principal: Principal,
    client_addr: str | None, at: datetime,
) -> str:
    """How the person shows they reported the case: their own account (``account``), or the
    tracking code with the last 4 digits of the phone left with the report (``phone``). Wrong
    digits are audited as denied; after FEEDBACK_ATTEMPTS of them within FEEDBACK_LOCK the case
    takes no more tries for a while."""
    if principal.user_id is not None and principal.user_id == reported.reporter_user_id:
        return "account"
    digits = "".join(c for c in reported.reporter_phone or "" if c.isdigit())
    if len(digits) < 4:
        raise Forbidden("该案件没有可核对的联系电话，请登录报事时使用的账号后评价", code="reporter_only")
    tail = (data.phone_tail or "").strip()
    if not tail:
        raise ValidationFailed("请填写报事时所留联系电话的后4位", code="phone_tail_required")
    denied = session.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "case.citizen_feedback", AuditEntry.object_id == str(reported.id),
            AuditEntry.result == audit.DENIED, AuditEntry.at >= at - FEEDBACK_LOCK)
    ) or 0
    if denied >= FEEDBACK_ATTEMPTS:
        raise Forbidden("联系电话核对失败次数过多，请1小时后再试", code="too_many_attempts")
    if len(tail) == 4 and tail.isdigit() and digits.endswith(tail):
        return "phone"
    audit.record(session, action="case.citizen_feedback", principal=principal, object_type="case",
                 object_id=reported.id, result=audit.DENIED, client_addr=client_addr,
                 detail="联系电话后4位不符")
    session.commit()
    raise Forbidden("联系电话后4位与报事时所留号码不符", code="phone_tail_mismatch")


def citizen_feedback(
    session: Session,
    tracking_code: str,
    data: CitizenFeedbackIn,
    *,
    principal: Principal,
    client_addr: str | None = None,
    at: datetime | None = None,
) -> CitizenFeedback:
    """群众评价: the reporter of a closed case confirms the fix (确认已解决) or says it is not fixed
    (未解决) and rates the handling, once per closing. The rating is the case's 满意度 (a 不满意
    lets the duty chief or a supervisor reopen it, 重办); on a case waiting for its callback it
    is the callback's answer (待回访 → 已结案). A 不满意 or 未解决 from a 12345 or online report
    goes to the supervisors at once. Timeline and audit record it; committed here."""
    at = at or now()
    reported = case_by_tracking_code(session, tracking_code)
    handled = handled_case(session, reported)
    _check_feedback_choices(data)
    before = Status(handled.status)
    target = CITIZEN_FEEDBACK_MOVES.get(before)
    if target is None:
        raise Conflict(f"案件当前{PUBLIC_LABELS[before]}，办结后才能评价", code="feedback_not_open")
    proof = _reporter_proof(session, reported, data, principal, client_addr, at)
    if feedback_given(session, reported, handled) is not None:
        raise Conflict("本次办结您已评价过，感谢您的反馈", code="feedback_given")
    comment = (data.comment or "").strip() or None
    row = CitizenFeedback(
        case_id=handled.id, reported_case_id=reported.id, closing=handled.reopen_count,
        resolved=data.resolved, satisfaction=data.satisfaction, comment=comment, proof=proof,
        by_user_id=principal.user_id, at=at,
    )
    session.add(row)
    handled.satisfaction = data.satisfaction
    if target != before:
        _move(session, handled, target, at, actor=principal)
    handled.updated_at = at
    verdict = "确认已解决" if data.resolved else "未解决"
    note = f"{verdict}，{data.satisfaction}" + (f"：{comment}" if comment else "")
    event = add_event(session, handled, principal if principal.user else None, "citizen_feedback",
                      before, handled.status, note, at=at,
                      data={"resolved": data.resolved, "satisfaction": data.satisfaction,
                            "reported_case_id": reported.id, "closing": row.closing})
    if principal.user is None:
        event.actor_name = ANONYMOUS_REPORTER
    flagged: list[int] = []
    if (not data.resolved or data.satisfaction == DISSATISFIED) and reported.source in FLAGGED_SOURCES:
        flagged = notices.flag_to_supervisors(
            session, handled, f"案件 {handled.case_no}（{handled.title}）群众评价：{note}，请研判是否重办")
    audit.record(session, action="case.citizen_feedback", principal=principal, object_type="case",
                 object_id=handled.id, client_addr=client_addr,
                 detail={"reported_case_id": reported.id, "closing": row.closing, "resolved": data.resolved,
                         "satisfaction": data.satisfaction, "proof": proof, "from": str(before),
                         "to": handled.status, "supervisors_told": len(flagged)})
    try:
        session.commit()
    except IntegrityError:  # the same reporter rated this closing a moment ago
        session.rollback()
        raise Conflict("本次办结您已评价过，感谢您的反馈", code="feedback_given") from None
    except StaleDataError:
        session.rollback()
        raise engine.changed(CASE_FLOW) from None
    return row


def require_case_reader(principal: Principal) -> None:
    if principal.is_anonymous:
        from smartgov.errors import NotAuthenticated

        raise NotAuthenticated("请先登录 (login required)")
    if principal.is_admin and not principal.is_staff:
        raise Forbidden("无权查看案件")


def dispatch_training_rows(session: Session, limit: int = 200_000) -> Iterator[tuple[str, str]]:
    """Closed cases that stayed with their first department (no approved return), as
    ("title\\nbody", department code) pairs: what the learned suggester is trained on."""

    rows = session.execute(
        select(Case.title, Case.description, Department.code)
        .join(Department, Department.id == Case.lead_department_id)
        .where(Case.status == str(Status.CLOSED), Case.return_count == 0)
        .order_by(Case.id.desc())
        .limit(limit)
    )
    for title, description, code in rows:
        yield join_fields((title, description)), code
