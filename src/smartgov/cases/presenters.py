"""Turning cases into what each audience may see (staff view, citizen tracking view)."""

from __future__ import annotations

from collections.abc import Sequence

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


def _reporter_of(session: Session, principal: Principal, case_id: int) -> dict[str, str | None]:
    case = service.get_case(session, case_id, principal)  # 404 outside the principal's scope
    return {"name": case.reporter_name, "phone": case.reporter_phone}


# The reveal action (显示完整信息) of the case page, and the audit page's words for cases.
register_personal_data("case", _reporter_of)
audit.register_labels(
    {**{f"case.{name}": label for name, label in CASE_FLOW.labels().items()},
     "case.intake": "案件受理", "case.export": "导出案件", "case.photo_uploaded": "上传照片",
     "case.citizen_feedback": "报事人评价"},
    fields={"source": "来源", "status": "状态", "grid_id": "网格编号"},
    values={"from": STATUS_LABELS, "to": STATUS_LABELS, "status": STATUS_LABELS,
            "source": SOURCE_LABELS},
    objects={"case": "案件"},
)
