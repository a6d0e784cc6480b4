"""Turning cases into what each audience may see (staff view, citizen tracking view)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.masking import personal_view, register_personal_data, reveal_personal
from smartgov.auth.principal import Principal
from smartgov.cases import service
from smartgov.cases.attachments import PHOTO_KIND_LABELS, case_photos
from smartgov.cases.models import Case, Category, CitizenFeedback
from smartgov.cases.schemas import SOURCE_LABELS, CaseOut, TrackOut
from smartgov.cases.workflow import CASE_FLOW, PUBLIC_LABELS, STATUS_LABELS, Status
from smartgov.files.models import FileLink
from smartgov.org.models import Area, Department
from smartgov.workclock.limits import TimeLimit
from smartgov.workclock.models import WorkTimer
from smartgov.workflow import timeline

# Steps a citizen sees on the tracking page, in plain words.
PUBLIC_STEPS = {
    "collect": "已受理",
    "verify": "已核实",
    "file": "已立案",
    "auto_file": "已立案",
    "dispatch": "已派遣至承办部门",
    "auto_dispatch": "已派遣至承办部门",
    "report_back": "承办部门已处理",
    "recheck_pass": "现场核查通过",
    "recheck_fail": "核查未通过，返工处理",
    "close": "已办结",
    "callback": "已回访",
    "reopen": "重新办理",
    "void": "不予立案",
    "verify_false": "核实不属实",
    "self_handle": "监督员已现场处置",
    "answer_close": "已直接答复办结",
    "merge": "已并入同一问题的案件",
    "decide_exception": "处理时限调整",
    "citizen_feedback": "报事人已评价",
}


def category_name(session: Session, case: Case) -> str | None:
    category = session.get(Category, case.category_id) if case.category_id else None
    return category.name if category else None


def case_out(
    session: Session, case: Case, principal: Principal, *, listed: bool = False,
    request_waiting: bool | None = None,
) -> CaseOut:
    """The staff view of a case. Lists (``listed``) always mask the reporter; one case's view
    unmasks for roles that need it, and ``case_view`` audits that. ``request_waiting`` says
    whether an exception request waits (looked up when not given)."""
    if request_waiting is None:
        request_waiting = service.pending_exception(session, case) is not None
    category = session.get(Category, case.category_id) if case.category_id else None
    dept = session.get(Department, case.lead_department_id) if case.lead_department_id else None
    grid = session.get(Area, case.grid_id) if case.grid_id else None
    reporter = personal_view(principal, {"name": case.reporter_name, "phone": case.reporter_phone},
                             listed=listed)
    return CaseOut(
        id=case.id,
        case_no=case.case_no,
        tracking_code=case.tracking_code,
        source=case.source,
        status=case.status,
        status_label=Status(case.status).label,
        category_code=category.code if category else None,
        category_name=category.name if category else None,
        request_type=case.request_type,
        title=case.title,
        description=case.description,
        address=case.address,
        lon=case.lon,
        lat=case.lat,
        grid_code=grid.code if grid else None,
        urgency=case.urgency,
        lead_department_code=dept.code if dept else None,
        lead_department_name=dept.name if dept else None,
        reporter_name=reporter["name"],
        reporter_phone=reporter["phone"],
        reported_at=case.reported_at,
        updated_at=case.updated_at,
        due_at=case.due_at,
        expected_at=case.expected_at,
        warning_level=case.warning_level,
        version=case.version,
        auto_dispatched=case.auto_dispatched,
        result_note=case.result_note,
        allowed_actions=[
            a.name for a in service.available_actions(case, principal, request_waiting=request_waiting)
        ],
    )


def track_out(session: Session, case: Case) -> TrackOut:
    """The public view by tracking code; a merged case shows the case it joined: its place,
    photos, steps and answer, and whether the reporter may confirm and rate it now."""
    shown = service.handled_case(session, case)
    status = Status(shown.status)
    dept = session.get(Department, shown.lead_department_id) if shown.lead_department_id else None
    events = timeline.entries(session, "case", {case.id, shown.id})
    steps = [
        {
            "at": e.at.isoformat(),
            "step": PUBLIC_STEPS[e.action],
            "note": e.note if e.action in ("report_back", "answer_close", "self_handle") else None,
        }
        for e in events
        if e.action in PUBLIC_STEPS
    ]
    is_closed = status in (Status.CLOSED, Status.PENDING_CALLBACK, Status.VOID)
    return TrackOut(
        tracking_code=case.tracking_code,
        status=str(status),
        status_label=PUBLIC_LABELS[status],
        is_closed=is_closed,
        title=case.title,
        category_name=category_name(session, shown),
        reported_at=case.reported_at,
        expected_at=None if is_closed else shown.expected_at,
        closed_at=shown.closed_at if is_closed else None,
        result_note=shown.result_note if is_closed else None,
        department_name=dept.name if dept else None,
        steps=steps,
        lon=shown.lon,
        lat=shown.lat,
        photos=[
            {"id": p.id, "kind": p.kind, "label": PHOTO_KIND_LABELS.get(p.kind, "现场照片"),
             "url": f"/track/{case.tracking_code}/photos/{p.id}"}
            for p in public_photos(session, case)
        ],
        feedback_open=service.feedback_open(session, case, shown),
        feedback=feedback_out(service.feedback_given(session, case, shown)),
    )


def public_photos(session: Session, case: Case) -> list[FileLink]:
    """The photos the reporter sees by tracking code: those of the report and of the case that
    handled it (处置前后)."""
    shown = service.handled_case(session, case)
    photos = list(case_photos(session, case.id))
    if shown.id != case.id:
        photos += case_photos(session, shown.id)
    return photos


def feedback_out(row: CitizenFeedback | None) -> dict | None:
    if row is None:
        return None
    return {"resolved": row.resolved, "verdict": "确认已解决" if row.resolved else "未解决",
            "satisfaction": row.satisfaction, "comment": row.comment, "at": row.at.isoformat()}


def case_view(
    session: Session, case: Case, principal: Principal, *, request_waiting: bool | None = None
) -> CaseOut:
    """The case for a page that shows its reporter; an unmasked view is audited once (caller commits)."""
    reveal_personal(
        session, principal, {"name": case.reporter_name, "phone": case.reporter_phone},
        object_type="case", object_id=case.id,
    )
    return case_out(session, case, principal, request_waiting=request_waiting)


def case_list(session: Session, cases: Sequence[Case], principal: Principal) -> list[CaseOut]:
    """A page of cases for a queue: reporters masked, waiting requests looked up in one query."""
    waiting = service.cases_with_waiting_requests(session, [c.id for c in cases])
    return [
        case_out(session, c, principal, listed=True, request_waiting=c.id in waiting) for c in cases
    ]


# What ``Case.source_ref`` is called for each channel that fills it in.
SOURCE_REF_LABELS = {
    "superior": "交办文号",
    "sensor": "告警编号",
    "opinion": "舆情编号",
    "open311": "对方编号",
    "petition": "信访编号",
}


def case_facts(session: Session, case: Case) -> list[tuple[str, str]]:
    """What staff entered beyond the common fields, as (label, text) rows for the case page:
    诉求类型, 紧急程度, the channel's reference (交办文号 …), who recorded it (监督员, the
    Open311 application) and the grid's name."""
    from smartgov.auth.models import User
    from smartgov.cases.models import Open311Client, RequestType

    rows: list[tuple[str, str]] = []
    if case.request_type:
        request_type = session.get(RequestType, case.request_type)
        rows.append(("诉求类型", request_type.name if request_type else "未知类型"))
    rows.append(("紧急程度", case.urgency or "一般"))
    if case.source_ref:
        rows.append((SOURCE_REF_LABELS.get(case.source, "来源编号"), case.source_ref))
    if case.source == "inspector" and case.created_by_id:
        inspector = session.get(User, case.created_by_id)
        if inspector is not None:
            rows.append(("上报监督员", inspector.display_name))
    if case.open311_client_id:
        client = session.get(Open311Client, case.open311_client_id)
        if client is not None:
            rows.append(("上报应用", client.name))
    if case.grid_id:
        grid = session.get(Area, case.grid_id)
        if grid is not None:
            rows.append(("所在网格", f"{grid.name}（{grid.code}）"))
    return rows


def clock_limit_text(timer: WorkTimer) -> str:
    """The limit a stage timer runs on now: the original one, plus each approved extension
    (原时限 3个工作日 + 延期 2个工作日) — the timer's ``limit_text`` stays the original."""
    extensions = [TimeLimit.parse(e).label for e in (timer.state or {}).get("extensions", [])]
    original = TimeLimit.parse(timer.limit_text).label
    if not extensions:
        return original
    return f"原时限 {original} + 延期 {' + '.join(extensions)}"


CASE_TABLE_HEADER = ("案件编号", "标题", "类别", "状态", "来源", "承办部门", "上报时间", "处置截止",
                     "时限状态", "上报人", "联系电话")


def time_state(warning_level: int) -> str:
    """A case's 时限状态 in words: 已超期, 预警 or 正常."""
    from smartgov.workclock.timers import overdue_level

    if warning_level >= overdue_level():
        return "已超期"
    return "预警" if warning_level else "正常"


def case_table(rows: Sequence[CaseOut]) -> list[tuple[Any, ...]]:
    """A list of cases as a table for 导出: the header, then one row per case as the list shows it
    (reporters as the list masks them)."""
    from smartgov.cases.schemas import SOURCE_LABELS, Source
    from smartgov.web.templating import format_time

    table: list[tuple[Any, ...]] = [CASE_TABLE_HEADER]
    for c in rows:
        source = SOURCE_LABELS.get(Source(c.source), "其他") if c.source in set(Source) else "其他"
        table.append((
            c.case_no, c.title, c.category_name or "待分类", c.status_label, source,
            c.lead_department_name or "", format_time(c.reported_at), format_time(c.due_at),
            time_state(c.warning_level) if c.due_at else "", c.reporter_name or "", c.reporter_phone or "",
        ))
    return table


def _reporter_of(session: Session, principal: Principal, case_id: int) -> dict[str, str | None]:
    case = service.get_case(session, case_id, principal)  # 404 outside the principal's scope
    return {"name": case.reporter_name, "phone": case.reporter_phone}


# The reveal action (显示完整信息) of the case page, and the audit page's words for cases.
register_personal_data("case", _reporter_of)
audit.register_labels(
    {**{f"case.{name}": label for name, label in CASE_FLOW.labels().items()},
     "case.intake": "案件受理", "case.export": "导出案件", "case.photo_uploaded": "上传照片",
     "case.citizen_feedback": "报事人评价", "kpi.config": "调整考核设置",
     "category.import": "导入分类目录", "category.update": "修改分类", "dispatch_rule.create": "新增派遣规则",
     "open311.key_create": "创建开放接口密钥", "open311.key_revoke": "吊销开放接口密钥",
     "demo.generate_cases": "生成演示案件"},
    fields={"source": "来源", "status": "状态", "grid_id": "网格编号"},
    values={"from": STATUS_LABELS, "to": STATUS_LABELS, "status": STATUS_LABELS,
            "source": SOURCE_LABELS},
    objects={"case": "案件"},
)
