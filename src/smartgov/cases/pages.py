"""Server-rendered pages of 一网统管: citizen portal, tracking, workbench, case detail."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile  # what request.form() yields

from smartgov import files
from smartgov.auth import audit
from smartgov.auth.deps import client_addr, current_principal, require_staff
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import MAY_REVEAL_PERSONAL_DATA
from smartgov.cases import clocks, routing, service
from smartgov.cases.attachments import (
    PHOTO_KIND_LABELS,
    attach_photos,
    case_photos,
    hold_photos,
    save_attachment,
)
from smartgov.cases.attachments import case_photo as find_photo
from smartgov.cases.attributes import answers_in_form, definitions_of
from smartgov.cases.duplicates import duplicate_suggestions
from smartgov.cases.models import (
    Case,
    Category,
)
from smartgov.cases.presenters import (
    case_facts,
    case_list,
    case_table,
    case_view,
    clock_limit_text,
    public_photos,
    track_out,
)
from smartgov.cases.queries import (
    ALL_STAFF,
    COUNT_CAP,
    CaseFilter,
    default_queue,
    find_cases,
    queue_counts,
    queues_for,
)
from smartgov.cases.schemas import SOURCE_LABELS, ActionInput, CaseIntake, CitizenFeedbackIn, Source
from smartgov.cases.workflow import (
    ACTION_LABELS,
    SATISFACTION_LEVELS,
    STAGE_LABELS,
    STATUS_LABELS,
)
from smartgov.db import get_session, now
from smartgov.errors import AppError, NotFound
from smartgov.org.models import Department
from smartgov.params import Id, Page
from smartgov.web.exports import CSV_TYPE, XLSX_TYPE, csv_text, download, xlsx_bytes
from smartgov.web.forms import error_status, error_text, form_number, form_text, form_values, form_yes_no
from smartgov.web.templating import render
from smartgov.workclock.service import day_bound
from smartgov.workflow import requests
from smartgov.workflow.models import PendingRequest

router = APIRouter(tags=["pages"], include_in_schema=False)

SOURCE_LABELS_BY_VALUE = {str(k): v for k, v in SOURCE_LABELS.items()}
EXCEPTION_LABELS = service.EXCEPTION_KIND_LABELS


def category_groups(session: Session) -> list[tuple[str, list[Category]]]:
    """Minor classes grouped by their major class, for select boxes."""
    minors = session.scalars(
        select(Category)
        .where(Category.level == "minor", Category.is_active.is_(True))
        .order_by(Category.sort_order, Category.code)
    ).all()
    groups: dict[str, list[Category]] = {}
    for cat in minors:
        groups.setdefault(cat.parent.name if cat.parent else "其他", []).append(cat)
    return list(groups.items())


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: Principal = Depends(current_principal)) -> Response:
    return render(request, "cases/home.html")


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request, session: Session = Depends(get_session)) -> Response:
    """我要报事: the citizen's report form with a map to click."""
    return render(request, "cases/report.html", {"groups": category_groups(session), "form": {}})


@router.get("/report/attributes", response_class=HTMLResponse)
def report_attributes(
    request: Request, category_code: str | None = None, session: Session = Depends(get_session)
) -> Response:
    """附加信息 fields of the chosen class on a report form (htmx), with what was already given."""
    category = session.scalar(select(Category).where(
        Category.code == (category_code or ""), Category.level == "minor", Category.is_active.is_(True)))
    return render(request, "cases/_attribute_fields.html", {
        "attributes": definitions_of(category.attributes) if category else [],
        "given": answers_in_form(request.query_params),
    })


# --- form input ----------------------------------------------------------------------------


def intake_from_form(form: Any, source: Source) -> CaseIntake:
    """A report typed into a page form as the input of ``service.intake``.

    The citizen portal gives the common fields only; a staff screen (hotline, inspector,
    上级交办) also gives request type, grid, urgency, reference, on-the-spot fix and direct answer.
    """
    staff: dict[str, Any] = {}
    if source != Source.PORTAL:
        staff = {
            "request_type": form_text(form, "request_type"),
            "grid_code": form_text(form, "grid_code"),
            "urgency": form_text(form, "urgency") or "一般",
            "source_ref": form_text(form, "source_ref"),
            "self_handled": form.get("self_handled") == "on",
            "answer": form_text(form, "answer") if form.get("direct_close") == "on" else None,
        }
    return CaseIntake(
        source=source,
        category_code=form_text(form, "category_code"),
        title=form_text(form, "title"),
        description=form_text(form, "description") or "",
        address=form_text(form, "address"),
        lon=form_number(form, "lon", float, "经度"),
        lat=form_number(form, "lat", float, "纬度"),
        reporter_name=form_text(form, "reporter_name"),
        reporter_phone=form_text(form, "reporter_phone"),
        attributes=answers_in_form(form),
        **staff,
    )


REPORT_PHOTOS = {"photo": "photo"}  # form field → photo kind


@router.post("/report", response_class=HTMLResponse)
async def report_submit(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> Response:
    form = await request.form()
    try:
        data = intake_from_form(form, Source.PORTAL)
        case = service.intake(session, data, principal=principal, client_addr=client_addr(request))
    except (ValidationError, AppError) as exc:
        session.rollback()
        kept, problems = await hold_photos(session, form, REPORT_PHOTOS, principal)
        return render(
            request,
            "cases/report.html",
            {"groups": category_groups(session), "form": form_values(form), "kept": kept,
             "error": "；".join([error_text(exc), *problems])},
            422,
        )
    problems = await attach_photos(session, case, form, REPORT_PHOTOS, principal)
    url = f"/report/done/{case.tracking_code}"
    if problems:
        url += "?photo_error=1"
    return RedirectResponse(url, status_code=303)


@router.get("/report/done/{code}", response_class=HTMLResponse)
def report_done(code: str, request: Request, session: Session = Depends(get_session)) -> Response:
    case = service.case_by_tracking_code(session, code)
    return render(
        request,
        "cases/report_done.html",
        {"track": track_out(session, case), "photo_error": request.query_params.get("photo_error")},
    )


@router.get("/track", response_class=HTMLResponse)
def track_page(
    request: Request, code: str | None = None, session: Session = Depends(get_session)
) -> Response:
    """进度查询 by tracking code; a logged-in citizen also sees their other reports."""
    context = _track_context(session, request.state.principal, code)
    if request.query_params.get("msg"):
        context["flash"] = [request.query_params["msg"]]
    return render(request, "cases/track.html", context)


def _track_context(session: Session, principal: Principal, code: str | None) -> dict[str, Any]:
    """The looked-up case in full, and a logged-in citizen's own reports besides it (the looked-up
    one is not listed a second time)."""
    context: dict[str, Any] = {"code": code or "", "form": {}, "own_codes": set(),
                               "satisfaction_levels": SATISFACTION_LEVELS}
    found: Case | None = None
    if code:
        try:
            found = service.case_by_tracking_code(session, code)
            context["track"] = track_out(session, found)
        except AppError as exc:
            context["error"] = exc.message
    if principal.user and not principal.is_staff:
        mine = session.scalars(
            select(Case)
            .where(Case.reporter_user_id == principal.user_id, Case.id != (found.id if found else None))
            .order_by(Case.id.desc())
            .limit(50)
        ).all()
        context["mine"] = [track_out(session, c) for c in mine]
        context["own_codes"] = {c.tracking_code for c in mine}
        if found is not None and found.reporter_user_id == principal.user_id:
            context["own_codes"].add(found.tracking_code)
    return context


@router.post("/track/{code}/feedback", response_class=HTMLResponse)
async def track_feedback(
    code: str,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> Response:
    """群众评价 from the tracking page: 确认已解决 / 未解决 and 满意度, by the reporter."""
    form = await request.form()
    try:
        data = CitizenFeedbackIn(
            resolved=form_yes_no(form, "resolved"),
            satisfaction=form_text(form, "satisfaction"),
            comment=form_text(form, "comment"),
            phone_tail=form_text(form, "phone_tail"),
        )
        service.citizen_feedback(session, code, data, principal=principal, client_addr=client_addr(request))
    except (ValidationError, AppError) as exc:
        session.rollback()
        if isinstance(exc, AppError) and exc.status_code == 404:
            raise
        context = _track_context(session, principal, code)
        context.update(form=form_values(form), feedback_error=error_text(exc))
        status = error_status(exc)
        return render(request, "cases/track.html", context, status)
    query = urlencode({"code": code, "msg": "感谢您的评价，我们会认真对待您的意见"})
    return RedirectResponse(f"/track?{query}", status_code=303)


@router.get("/track/{code}/photos/{photo_id}")
def track_photo(code: str, photo_id: int, session: Session = Depends(get_session)) -> Response:
    """A photo of the case behind a tracking code (the report's own or its handling's)."""
    case = service.case_by_tracking_code(session, code)
    att = next((p for p in public_photos(session, case) if p.id == photo_id), None)
    if att is None:
        raise NotFound("照片不存在", code="photo_not_found")
    return FileResponse(
        files.path_of(att),
        media_type=att.content_type,
        filename=files.download_name(att),
        content_disposition_type="inline",
        headers={"X-Content-Type-Options": "nosniff"},
    )


WORKBENCH = menu_entry("/workbench", "工作台", 10, *ALL_STAFF)  # the roles that have queues


@router.get("/workbench", response_class=HTMLResponse)
def workbench(
    request: Request,
    queue: str | None = None,
    q: str | None = None,
    category: str | None = None,
    department: str | None = None,
    source: str | None = None,
    start: date | None = None,
    end: date | None = None,
    page: Page = 1,
    session: Session = Depends(get_session),
    principal: Principal = Depends(WORKBENCH),
) -> Response:
    """工作台: the queues of this role with counts; filters, full-text search, one page of cases."""
    queue = queue or default_queue(principal)
    flt, filters = _workbench_filter(session, queue, q, category, department, source, start, end)
    flt.page = max(page, 1)
    rows, total = find_cases(session, principal, flt)
    return render(
        request,
        "cases/workbench.html",
        {
            "queues": queues_for(principal),
            "counts": queue_counts(session, principal),
            "count_cap": COUNT_CAP,  # totals above it show as "1000+" (capped_count)
            "queue": queue,
            "q": q or "",
            "filters": filters,
            "filter_query": urlencode({k: v for k, v in filters.items() if v}),
            "rows": case_list(session, rows, principal),
            "total": total,
            "page": flt.page,
            "groups": category_groups(session),
            "departments": session.scalars(select(Department).order_by(Department.code)).all(),
            "sources": SOURCE_LABELS_BY_VALUE,
            "flash": [request.query_params["msg"]] if request.query_params.get("msg") else [],
        },
    )


def _workbench_filter(
    session: Session, queue: str, q: str | None, category: str | None, department: str | None,
    source: str | None, start: date | None, end: date | None,
) -> tuple[CaseFilter, dict[str, Any]]:
    """The workbench's queue and filters as a query filter, and as typed (for the form and links)."""
    category_row = session.scalar(select(Category).where(Category.code == category)) if category else None
    department_row = (
        session.scalar(select(Department).where(Department.code == department)) if department else None
    )
    flt = CaseFilter(
        queue=queue, q=q,
        category_id=category_row.id if category_row else None,
        department_id=department_row.id if department_row else None,
        source=source or None,
        reported_from=day_bound(start, is_end=False) if start else None,
        reported_to=day_bound(end, is_end=True) if end else None,
    )
    filters = {"q": q or "", "category": category or "", "department": department or "",
               "source": source or "", "start": start or "", "end": end or ""}
    return flt, filters


EXPORT_FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}
EXPORT_CAP = 5000  # rows in one export; more asks for narrower filters


def workbench_cases(session: Session, principal: Principal, flt: CaseFilter) -> list[Case]:
    """Every case of the filtered list (up to EXPORT_CAP), newest first, page by page."""
    found: list[Case] = []
    flt.page_size, flt.page = 200, 1
    while len(found) < EXPORT_CAP:
        rows, _ = find_cases(session, principal, flt)
        found.extend(rows)
        if len(rows) < flt.page_size:
            break
        flt.page += 1
    return found[:EXPORT_CAP]


def queue_label(principal: Principal, name: str) -> str:
    return next((qu.label for qu in queues_for(principal) if qu.name == name), "全部")


@router.get("/workbench/export.{fmt}")
def workbench_export(
    fmt: str,
    request: Request,
    queue: str | None = None,
    q: str | None = None,
    category: str | None = None,
    department: str | None = None,
    source: str | None = None,
    start: date | None = None,
    end: date | None = None,
    session: Session = Depends(get_session),
    principal: Principal = Depends(WORKBENCH),
) -> Response:
    """导出: the workbench list with its current queue and filters as CSV or XLSX, reporters
    masked as in the list; the export is audited with its filters and size."""
    if fmt not in EXPORT_FORMATS:
        raise NotFound("只能导出为 CSV 或 XLSX", code="export_format")
    queue = queue or default_queue(principal)
    flt, filters = _workbench_filter(session, queue, q, category, department, source, start, end)
    cases = workbench_cases(session, principal, flt)
    table = case_table(case_list(session, cases, principal))
    audit.record(session, action="case.export", principal=principal, object_type="case",
                 object_id="workbench", client_addr=client_addr(request),
                 detail={"queue": queue, "format": fmt, "rows": len(cases),
                         **{k: str(v) for k, v in filters.items() if v}})
    session.commit()
    name = f"工作台-{queue_label(principal, queue)}-{now():%Y%m%d}.{fmt}"
    content = csv_text(table) if fmt == "csv" else xlsx_bytes(table, "案件清单")
    return download(content, EXPORT_FORMATS[fmt], name)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(
    case_id: Id,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> Response:
    """案件详情: timeline, map, photos, clock and the actions this person may take now."""
    case = service.get_case(session, case_id, principal)
    flash = [request.query_params["msg"]] if request.query_params.get("msg") else []
    return _detail_page(request, session, case, principal, flash=flash)


def _detail_page(
    request: Request,
    session: Session,
    case: Case,
    principal: Principal,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The case page; ``extra`` adds ``flash``, or ``error`` with the ``form`` of ``failed_action``."""
    clock = clocks.open_clock(session, case)
    events = service.timeline_of(session, case.id)
    pending = service.pending_exception(session, case)
    shown = case_view(session, case, principal, request_waiting=pending is not None)
    session.commit()  # the audit line of an unmasked view
    actions = service.available_actions(case, principal, request_waiting=pending is not None)
    dispatchable = any(a.name == "dispatch" for a in actions)
    suggestions = routing.suggestions_for(session, case) if dispatchable else []
    return render(
        request,
        "cases/detail.html",
        {
            "case": shown,
            "facts": case_facts(session, case),
            "events": events,
            "actions": actions,
            "suggestions": suggestions,
            "proposed": service.proposed_department(session, case, suggestions) if dispatchable else None,
            "clock": clock,
            "clock_text": clock_limit_text(clock) if clock else "",
            "photo_kinds": PHOTO_KIND_LABELS,
            "stage_labels": STAGE_LABELS,
            "status_labels": STATUS_LABELS,
            "action_labels": ACTION_LABELS,
            "source_labels": SOURCE_LABELS_BY_VALUE,
            "clock_level": clocks.clock_level(clock),
            "may_reveal": principal.has_any(*MAY_REVEAL_PERSONAL_DATA),
            "photos": case_photos(session, case.id),
            "pending": pending,
            "exception_labels": EXCEPTION_LABELS,
            "duplicates": duplicate_suggestions(session, case, principal),
            "groups": category_groups(session),
            "departments": session.scalars(select(Department).order_by(Department.code)).all(),
            "form": {},
            **extra,
        },
        status_code,
    )


@router.get("/cases/{case_id}/print", response_class=HTMLResponse)
def case_print(
    case_id: int,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> Response:
    """打印工单: the case, its facts, clock, timeline and photo thumbnails on a page for paper."""
    case = service.get_case(session, case_id, principal)
    clock = clocks.open_clock(session, case)
    shown = case_view(session, case, principal)
    session.commit()  # the audit line of an unmasked view
    return render(
        request,
        "cases/print.html",
        {
            "case": shown,
            "facts": case_facts(session, case),
            "events": service.timeline_of(session, case.id),
            "clock": clock,
            "clock_text": clock_limit_text(clock) if clock else "",
            "photos": case_photos(session, case.id),
            "photo_kinds": PHOTO_KIND_LABELS,
            "stage_labels": STAGE_LABELS,
            "status_labels": STATUS_LABELS,
            "action_labels": ACTION_LABELS,
            "source_labels": SOURCE_LABELS_BY_VALUE,
            "printed_at": now(),
        },
    )


@router.post("/cases/{case_id}/actions/{name}")
async def case_action(
    case_id: Id,
    name: str,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> Response:
    form = await request.form()
    try:
        data = ActionInput(
            version=form_number(form, "version", int, "版本号"),
            note=form_text(form, "note"),
            category_code=form_text(form, "category_code"),
            department_code=form_text(form, "department_code"),
            helper_codes=[v for v in form.getlist("helper_codes") if isinstance(v, str) and v],
            extension=form_text(form, "extension"),
            satisfaction=form_text(form, "satisfaction"),
            approve=form_yes_no(form, "approve"),
            master_case_id=form_number(form, "master_case_id", int, "主案件 ID"),
            master_case_no=form_text(form, "master_pick") or form_text(form, "master_case_no"),
        )
        case = service.act(
            session, case_id, name, data, principal=principal, client_addr=client_addr(request)
        )
    except (ValidationError, AppError) as exc:
        session.rollback()
        if isinstance(exc, AppError) and exc.status_code == 404:
            raise
        # the page again, with the reason and what was typed (a refused note is not lost)
        status = error_status(exc)
        return _detail_page(
            request, session, service.get_case(session, case_id, principal), principal, status,
            error=f"操作未成功：{error_text(exc)}", form=form_values(form), failed_action=name,
        )
    photo = form.get("photo")
    if isinstance(photo, UploadFile) and photo.filename:
        try:
            event = service.add_event(session, case, principal, "attach", case.status, case.status,
                                      f"上传照片 {photo.filename}", at=now())
            session.flush()
            save_attachment(
                session,
                case,
                await photo.read(),
                photo.filename,
                kind=str(form.get("photo_kind") or "photo"),
                event_id=event.id,
                principal=principal,
            )
            session.commit()
        except AppError as exc:
            session.rollback()
            return RedirectResponse(
                f"/cases/{case_id}?msg=已保存操作，但照片未上传：{exc.message}", status_code=303
            )
    if not service.case_visible(session, case_id, principal):
        return RedirectResponse(f"/workbench?msg=已完成：{ACTION_LABELS.get(name, name)}",
                                status_code=303)
    return RedirectResponse(f"/cases/{case_id}?msg=操作成功", status_code=303)


@router.get("/cases/{case_id}/photos/{photo_id}")
def case_photo(
    case_id: Id,
    photo_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> Response:
    """A photo of a visible case, as the stored image type (never sniffed as HTML), shown inline."""
    case = service.get_case(session, case_id, principal)
    att = find_photo(session, case.id, photo_id)
    return FileResponse(
        files.path_of(att),
        media_type=att.content_type,
        filename=files.download_name(att),
        content_disposition_type="inline",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get("/exceptions", response_class=HTMLResponse)
def exceptions_page(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> Response:
    visible_cases = select(Case.id).where(service.visibility_clause(principal))
    rows = session.scalars(
        requests.waiting_requests(service.SUBJECT)
        .where(PendingRequest.subject_id.in_(visible_cases))
        .order_by(PendingRequest.id)
    ).all()
    numbers = dict(session.execute(
        select(Case.id, Case.case_no).where(Case.id.in_([r.subject_id for r in rows]))).all())
    return render(request, "cases/exceptions.html",
                  {"rows": rows, "labels": EXCEPTION_LABELS, "case_numbers": numbers})
