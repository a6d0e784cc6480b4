"""一网统管 operations: the one intake function and every workflow action on a case.

Every channel (portal, hotline, inspector, superior, sensor, opinion, Open311) calls
``intake``; the report is committed before any side effect runs (``flows.after_intake``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases import clocks
from smartgov.cases.duplicates import simhash
from smartgov.cases.models import (
    Case,
    CaseEvent,
    CaseHelper,
    CaseReporter,
    Category,
    ExceptionRequest,
    RequestType,
    Supervision,
)
from smartgov.cases.schemas import MACHINE_SOURCES, ActionInput, CaseIntake, Source
from smartgov.cases.search import index_case
from smartgov.cases.workflow import Status, action, why_not
from smartgov.db import now
from smartgov.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from smartgov.org.models import Area, Department

SYSTEM_ACTOR = "系统"
_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- lookups -----------------------------------------------------------------------------------


def category_by_code(session: Session, code: str) -> Category:
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None or not category.is_active:
        raise ValidationFailed(f"未知的案件类别编码: {code}", code="unknown_category")
    if category.level != "minor":
        raise ValidationFailed(f"请选择小类，「{category.name}」是大类", code="major_category")
    return category


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
    Source.OPINION: (Role.DUTY_CHIEF, Role.SYSTEM_ADMIN),
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


def _title_of(data: CaseIntake, category: Category | None) -> str:
    if data.title:
        return data.title
    head = data.description.strip().splitlines()[0][:40]
    return f"{category.name}：{head}" if category else head


def intake(
    session: Session,
    data: CaseIntake,
    *,
    principal: Principal,
    client_addr: str | None = None,
    open311_client_id: int | None = None,
    at: datetime | None = None,
) -> Case:
    """收集: record one report from any channel and commit it before anything else happens."""
    at = at or now()
    category = category_by_code(session, data.category_code) if data.category_code else None
    if data.request_type and session.get(RequestType, data.request_type) is None:
        raise ValidationFailed(f"未知的诉求类型: {data.request_type}", code="unknown_request_type")
    check_channel(data, principal)
    status = initial_status(data, category)
    case = Case(
        tracking_code=new_tracking_code(),
        source=str(data.source),
        source_ref=data.source_ref,
        request_type=data.request_type,
        category_id=category.id if category else None,
        title=_title_of(data, category),
        description=data.description.strip(),
        address=data.address,
        lon=data.lon,
        lat=data.lat,
        urgency=data.urgency,
        status=str(status),
        reporter_user_id=principal.user_id if not principal.is_staff else None,
        reporter_name=data.reporter_name
        or (principal.user.display_name if principal.user and not principal.is_staff else None),
        reporter_phone=data.reporter_phone
        or (principal.user.phone if principal.user and not principal.is_staff else None),
        created_by_id=principal.user_id,
        open311_client_id=open311_client_id,
        reported_at=at,
        updated_at=at,
        needs_callback=data.source
        in (Source.HOTLINE, Source.PORTAL, Source.PETITION, Source.API, Source.OPEN311)
        and bool(data.reporter_phone or principal.user),
    )
    locate(session, case, data)
    case.simhash = simhash(f"{case.title} {case.description}")
    session.add(case)
    session.flush()
    case.case_no = f"{at:%Y%m%d}{case.id:08d}"
    session.add(
        CaseReporter(
            case_id=case.id,
            user_id=case.reporter_user_id,
            name=case.reporter_name,
            phone=case.reporter_phone,
            source=case.source,
            reported_at=at,
        )
    )
    _record_intake_outcome(session, case, data, principal, at)
    index_case(session, case, new=True)
    audit.record(
        session,
        action="case.intake",
        actor=principal.user,
        object_type="case",
        object_id=case.id,
        client_addr=client_addr,
        detail={"source": case.source, "status": case.status, "grid_id": case.grid_id},
    )
    session.commit()
    return case


def _record_intake_outcome(
    session: Session, case: Case, data: CaseIntake, principal: Principal, at: datetime
) -> None:
    status = Status(case.status)
    add_event(
        session,
        case,
        principal,
        "collect",
        None,
        status,
        data.description[:200],
        at=at,
        data={"source": case.source},
    )
    if status == Status.CLOSED:
        case.closed_at = case.handled_at = at
        case.self_handled = data.self_handled
        case.result_note = data.answer or "监督员已现场自行处置"
        case.needs_callback = False
        action_name = "self_handle" if data.self_handled else "answer_close"
        add_event(session, case, principal, action_name, status, status, case.result_note, at=at)
        return
    if status == Status.PENDING_FILE and data.source == Source.INSPECTOR:
        case.verified_at = at  # an inspector's own report needs no separate verification
    stage = {
        Status.REPORTED: "verify",
        Status.PENDING_FILE: "file",
        Status.PENDING_DISPATCH: "dispatch",
    }[status]
    clocks.start_stage(session, case, stage, at, first=True)
    case.expected_at = clocks.handling_due(session, case, at)


# --- visibility (permission layer applied to queries) -----------------------------------------

STAFF_WIDE_ROLES = (
    Role.HOTLINE_OPERATOR,
    Role.DUTY_CHIEF,
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.LEADER,
)


def visibility_clause(principal: Principal) -> Any:
    """SQL condition for the cases this principal may see; False for anonymous visitors."""
    from sqlalchemy import false

    if principal.is_anonymous:
        return false()
    if not principal.is_staff:
        return Case.reporter_user_id == principal.user_id
    parts = []
    if principal.has_any(*STAFF_WIDE_ROLES):
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
    if principal.has_any(*STAFF_WIDE_ROLES) and not principal.area_ids:
        return None
    tokens: list[str] = []
    areas = sorted(principal.area_ids)
    if principal.has_any(*STAFF_WIDE_ROLES) or principal.has_any(Role.HANDLER):
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


def case_by_tracking_code(session: Session, code: str) -> Case:
    case = session.scalar(select(Case).where(Case.tracking_code == code.strip().upper()))
    if case is None:
        raise NotFound("查询码不存在，请核对后重试", code="tracking_code_not_found")
    return case


# --- workflow actions --------------------------------------------------------------------------


def add_event(
    session: Session,
    case: Case,
    principal: Principal | None,
    name: str,
    from_status: Status | str | None,
    to_status: Status | str | None,
    note: str | None = None,
    *,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    user = principal.user if principal else None
    event = CaseEvent(
        case_id=case.id,
        at=at or now(),
        actor_id=user.id if user else None,
        actor_name=user.display_name if user else SYSTEM_ACTOR,
        action=name,
        from_status=str(from_status) if from_status else None,
        to_status=str(to_status) if to_status else None,
        note=note,
        data=data,
    )
    session.add(event)
    return event


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
    at = at or now()
    act_def = action(name)
    case = get_case(session, case_id, principal)
    if data.version is not None and data.version != case.version:
        raise Conflict("案件已被他人更新，请刷新后重试 (the case changed)", code="case_changed")
    refusal = why_not(act_def, case, principal)
    if refusal:
        status, message = refusal
        audit.record(
            session,
            action=f"case.{name}",
            actor=principal.user,
            object_type="case",
            object_id=case.id,
            result="denied",
            client_addr=client_addr,
            detail=message,
        )
        session.commit()
        raise AppError(message, code="action_not_allowed", status_code=status)
    if act_def.needs_note and not (data.note and data.note.strip()):
        raise ValidationFailed(f"「{act_def.label}」需要填写说明", code="note_required")
    before = Status(case.status)
    try:
        HANDLERS[name](session, case, data, principal, at)
    except StaleDataError:  # another person's change was flushed first (autoflush in a handler)
        session.rollback()
        raise Conflict("案件已被他人更新，请刷新后重试 (the case changed)", code="case_changed") from None
    case.updated_at = at
    add_event(
        session,
        case,
        principal,
        name,
        before,
        case.status,
        data.note,
        at=at,
        data=data.model_dump(exclude_none=True, exclude={"note", "version"}) or None,
    )
    audit.record(
        session,
        action=f"case.{name}",
        actor=principal.user,
        object_type="case",
        object_id=case.id,
        client_addr=client_addr,
        detail={"from": str(before), "to": case.status},
    )
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("案件已被他人更新，请刷新后重试 (the case changed)", code="case_changed") from None
    return case


def _move(
    session: Session,
    case: Case,
    status: Status,
    at: datetime,
    stage: str | None = None,
    department_id: int | None = None,
    actor: Principal | None = None,
) -> None:
    case.status = str(status)
    if stage:
        clocks.start_stage(
            session,
            case,
            stage,
            at,
            department_id=department_id,
            actor_id=actor.user_id if actor else None,
        )
    else:
        clocks.stop_stage(session, case, at)


def _verify(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    case.verified_at = at
    _move(session, case, Status.PENDING_FILE, at, "file")


def _void(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    case.result_note = data.note
    case.closed_at = at
    _move(session, case, Status.VOID, at)


def _file(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    if data.category_code:
        case.category_id = category_by_code(session, data.category_code).id
    if case.category_id is None:
        raise ValidationFailed("立案须选择案件类别", code="category_required")
    case.filed_at = at
    case.verified_at = case.verified_at or at
    _move(session, case, Status.PENDING_DISPATCH, at, "dispatch")


def dispatch_to(
    session: Session,
    case: Case,
    department: Department,
    at: datetime,
    helpers: Sequence[Department] = (),
    principal: Principal | None = None,
) -> None:
    """派遣: send to one lead department (主办) and optional helpers (协办); the disposal clock starts."""
    case.lead_department_id = department.id
    case.helpers = [CaseHelper(department_id=d.id) for d in helpers if d.id != department.id]
    case.dispatched_at = at
    _move(session, case, Status.HANDLING, at, "handle", department_id=department.id, actor=principal)
    case.expected_at = case.due_at
    index_case(session, case)  # the department may now find it


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
        _move(session, case, Status.PENDING_CALLBACK, at, "callback")
    else:
        _move(session, case, Status.CLOSED, at)
    from smartgov.cases import flows

    flows.close_merged_cases(session, case, at)


def _report_back(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    case.handled_at = at
    case.result_note = data.note
    category = session.get(Category, case.category_id) if case.category_id else None
    if category is None or category.needs_recheck:
        _move(session, case, Status.PENDING_RECHECK, at, "recheck")
    else:
        close_case(session, case, at, p)  # 承办单位办结: no on-site re-check for this class


def _request(kind: str):  # type: ignore[no-untyped-def]
    def handler(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
        pending = session.scalar(
            select(ExceptionRequest).where(
                ExceptionRequest.case_id == case.id, ExceptionRequest.status == "pending"
            )
        )
        if pending is not None:
            raise Conflict("已有待审核的申请，请等待审核结果", code="exception_pending")
        if kind == "extension":
            if not data.extension:
                raise ValidationFailed("请填写延期时长，例如 2wd", code="extension_required")
            from smartgov.workclock.service import TimeLimit

            data.extension = str(TimeLimit.parse(data.extension))
        session.add(
            ExceptionRequest(
                case_id=case.id,
                kind=kind,
                reason=data.note or "",
                extension=data.extension,
                department_id=p.department_id,
                requested_by_id=p.user_id,
                requested_at=at,
            )
        )

    return handler


def pending_exception(session: Session, case: Case) -> ExceptionRequest | None:
    return session.scalar(
        select(ExceptionRequest).where(
            ExceptionRequest.case_id == case.id, ExceptionRequest.status == "pending"
        )
    )


def _decide_exception(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    request = pending_exception(session, case)
    if request is None or (data.exception_id and data.exception_id != request.id):
        raise Conflict("没有待审核的申请", code="no_pending_exception")
    if data.approve is None:
        raise ValidationFailed("请选择同意或不同意", code="decision_required")
    request.status = "approved" if data.approve else "refused"
    request.decided_by_id, request.decided_at, request.decision_note = p.user_id, at, data.note
    if not data.approve:
        return
    if request.kind in ("return", "objection"):
        case.return_count += 1
        case.lead_department_id = None
        case.helpers = []
        _move(session, case, Status.PENDING_DISPATCH, at, "dispatch")
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
    _move(session, case, Status.PENDING_CLOSE, at, "close")


def _recheck_fail(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    """返工: back to the department with a new handling clock; counts against it."""
    case.rework_count += 1
    _move(session, case, Status.HANDLING, at, "handle", department_id=case.lead_department_id)
    case.expected_at = case.due_at


def _close(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    close_case(session, case, at, p)


def _callback(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    if not data.satisfaction:
        raise ValidationFailed("请选择回访结果：满意、基本满意或不满意", code="satisfaction_required")
    case.satisfaction = data.satisfaction
    _move(session, case, Status.CLOSED, at)


def _reopen(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    """重办: a justified 不满意 sends the order back to its department with a new clock."""
    case.reopen_count += 1
    case.closed_at = None
    case.satisfaction = None
    _move(session, case, Status.HANDLING, at, "handle", department_id=case.lead_department_id)
    case.expected_at = case.due_at


def _supervise(kind: str):  # type: ignore[no-untyped-def]
    def handler(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
        session.add(Supervision(case_id=case.id, kind=kind, note=data.note or "", by_id=p.user_id, at=at))
        if kind == "supervise":
            case.is_supervised = True
        from smartgov.cases import flows

        flows.notify_department(
            session,
            case,
            case.lead_department_id,
            kind,
            f"案件 {case.case_no} 被{'督办' if kind == 'supervise' else '催办'}：{data.note}",
        )

    return handler


def _merge(session: Session, case: Case, data: ActionInput, p: Principal, at: datetime) -> None:
    """并单: this report joins an open case of the same problem; every reporter is kept."""
    if not data.master_case_id or data.master_case_id == case.id:
        raise ValidationFailed("请指定要并入的主案件", code="master_required")
    master = get_case(session, data.master_case_id, p)
    if not Status(master.status).is_open or master.merged_into_id:
        raise Conflict("主案件已办结或已被并单，不能并入", code="master_not_open")
    for reporter in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)):
        session.add(
            CaseReporter(
                case_id=master.id,
                original_case_id=case.id,
                user_id=reporter.user_id,
                name=reporter.name,
                phone=reporter.phone,
                source=reporter.source,
                reported_at=reporter.reported_at,
            )
        )
    case.merged_into_id = master.id
    _move(session, case, Status.MERGED, at)
    add_event(
        session,
        master,
        p,
        "merged_in",
        master.status,
        master.status,
        f"并入案件 {case.case_no}",
        at=at,
        data={"merged_case_id": case.id},
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
        yield f"{title}\n{description}", code
