"""Pages of 一网通办: 办事指南, online application, the window, queues, the application page, 好差评."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.deps import client_addr, require_login
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session, now
from smartgov.errors import AppError, ValidationFailed
from smartgov.org.models import Department
from smartgov.params import Id, Page
from smartgov.services import presenters, service
from smartgov.services.catalogue import service as catalogue
from smartgov.services.fees import service as fees
from smartgov.services.models import SUBJECT, Applicant, Certificate, Rating, Rectification
from smartgov.services.rating import service as rating
from smartgov.services.schemas import (
    AUDIENCE_LABELS,
    FORM_LABELS,
    NECESSITY_LABELS,
    SOURCE_LABELS,
    ActionIn,
    ApplicantIn,
    ApplicationIn,
    RatingIn,
)
from smartgov.services.workflow import MACHINE, RESULT_STATES
from smartgov.web.forms import error_text
from smartgov.workflow import requests, timeline

router = APIRouter(tags=["pages"], include_in_schema=False)

WORK_ROLES = menu_entry(
    "/services/workbench", "政务服务办件", 15, Role.WINDOW_CLERK, Role.APPROVER, Role.SUPERVISOR, Role.LEADER
)
WINDOW_ROLES = menu_entry("/services/window", "一窗受理", 14, Role.WINDOW_CLERK)
PAYMENT_ROLES = menu_entry("/services/payments", "缴费对账", 16, Role.WINDOW_CLERK)
RECTIFY_ROLES = menu_entry("/services/rectifications", "差评整改", 17, Role.APPROVER, Role.SUPERVISOR)
ADMIN_ROLES = menu_entry("/services/admin/items", "事项管理", 90, Role.SYSTEM_ADMIN)


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    from smartgov.web.templating import render

    return render(request, f"services/{name}", context, status_code=status_code)


def _back(url: str, msg: str) -> RedirectResponse:
    return RedirectResponse(f"{url}?msg={quote(msg)}", status_code=303)


async def _uploaded(form: Any, what: str) -> tuple[bytes, str]:
    """The file a form carries (content, name), or 422 asking for it."""
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ValidationFailed(f"请选择{what}", code="file_required")
    return (await upload.read())[:10_000_000], upload.filename or what


def _flash(request: Request) -> list[str]:
    return [request.query_params["msg"][:200]] if request.query_params.get("msg") else []


@router.get("/services", response_class=HTMLResponse)
def guide(
    request: Request, q: str | None = Query(None, max_length=100), session: Session = Depends(get_session)
) -> Response:
    """办事指南: every published item, searchable (public)."""
    items = catalogue.published(session, q=q)
    names = {d.id: d.name for d in session.scalars(select(Department))}
    return _render(
        request, "guide.html", {"items": items, "q": q or "", "names": names, "audiences": AUDIENCE_LABELS}
    )


@router.get("/services/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: Id, session: Session = Depends(get_session)) -> Response:
    """One item's guide with every catalogue field, materials and FAQ."""
    item = catalogue.get(session, item_id)
    names = {d.code: d.name for d in session.scalars(select(Department))}
    lead = session.get(Department, item.department_id)
    return _render(
        request,
        "item.html",
        {
            "item": item,
            "lead": lead,
            "names": names,
            "audiences": AUDIENCE_LABELS,
            "forms": FORM_LABELS,
            "necessity": NECESSITY_LABELS,
            "sources": SOURCE_LABELS,
            "flash": _flash(request),
            "fee": fees.yuan(item.fee_cents),
        },
    )


@router.post("/services/items/{item_id}/apply")
def apply(
    item_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(require_login)
) -> Response:
    """在线申报: a draft for the logged-in applicant."""
    try:
        app = service.create(session, ApplicationIn(item_id=item_id), principal=principal)
    except AppError as exc:
        session.rollback()
        return _back(f"/services/items/{item_id}", exc.message)
    session.commit()
    return RedirectResponse(f"/services/applications/{app.id}", status_code=303)


@router.get("/services/mine", response_class=HTMLResponse)
def mine(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(require_login)
) -> Response:
    """My applications and my certificates (我的办件 / 证照夹)."""
    principal.require_any(Role.CITIZEN, Role.ENTERPRISE)
    applicant = session.scalar(select(Applicant).where(Applicant.user_id == principal.user_id))
    rows = []
    certs: list[Certificate] = []
    if applicant is not None:
        from smartgov.services.certificates import service as certificates
        from smartgov.services.models import Application

        apps = session.scalars(
            select(Application)
            .where(Application.applicant_id == applicant.id)
            .order_by(Application.id.desc())
            .limit(100)
        )
        rows = [presenters.summary(session, a, principal) for a in apps]
        certs = certificates.wallet(session, applicant.id_number)
    return _render(request, "mine.html", {"rows": rows, "certs": certs, "flash": _flash(request)})


@router.get("/services/workbench", response_class=HTMLResponse)
def workbench(
    request: Request,
    queue: str = Query("all", max_length=20),
    q: str | None = Query(None, max_length=100),
    page: Page = 1,
    session: Session = Depends(get_session),
    principal: Principal = Depends(WORK_ROLES),
) -> Response:
    """Queues per role (待受理, 并联待办, 待决定, 已超期 …) with search by number, applicant or item."""
    if queue not in service.QUEUES:
        raise ValidationFailed(f"未知的队列：{queue}", code="unknown_queue")
    rows, total = service.find(session, principal, queue, q, page, 50)
    return _render(
        request,
        "workbench.html",
        {
            "queues": service.QUEUES,
            "queue": queue,
            "q": q or "",
            "total": total,
            "page": page,
            "rows": [presenters.summary(session, a, principal) for a in rows],
        },
    )


@router.get("/services/applications/{app_id}", response_class=HTMLResponse)
def application_page(
    request: Request,
    app_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    return _detail(request, session, app_id, principal, flash=_flash(request))


def _detail(
    request: Request,
    session: Session,
    app_id: int,
    principal: Principal,
    *,
    flash: list[str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    app = service.get(session, app_id, principal)
    item = catalogue.get(session, app.item_id)
    applicant = session.get(Applicant, app.applicant_id)
    waiting = requests.pending(session, SUBJECT, app.id)
    actions = MACHINE.allowed(app, principal, waiting=[waiting.kind] if waiting else [])
    own = principal.owns(applicant.user_id) or principal.has_any(Role.WINDOW_CLERK)
    events = timeline.entries(session, SUBJECT, [app.id])
    certificate = session.scalar(select(Certificate).where(Certificate.application_id == app.id))
    rated = session.scalar(select(Rating).where(Rating.application_id == app.id))
    held = {m["code"]: m for m in app.materials}
    return _render(
        request,
        "application.html",
        {
            "app": app,
            "view": presenters.detail(session, app, principal),
            "item": item,
            "editable": own and app.status in ("draft", "supplement"),
            "own": own,
            "actions": [a for a in actions if a.name != "submit"],
            "can_submit": any(a.name == "submit" for a in actions),
            "events": events,
            "step_label": MACHINE.step_label,
            "state_label": MACHINE.state_label,
            "held": held,
            "necessity": NECESSITY_LABELS,
            "payment": fees.of_application(session, app),
            "yuan": fees.yuan,
            "pay_labels": fees.STATUS_LABELS,
            "certificate": certificate,
            "rated": rated,
            "may_rate": own and app.status in RESULT_STATES and rated is None,
            "levels": rating.LEVEL_LABELS,
            "waiting": waiting,
            "kinds": item.special_procedures,
            "flash": flash or [],
            "error": error,
            "today": date.today().isoformat(),
        },
        status_code=status_code,
    )


@router.post("/services/applications/{app_id}/form")
async def save_form(
    request: Request,
    app_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    """保存草稿, or 提交申请 with the button of that name."""
    form = await request.form()
    app = service.get(session, app_id, principal)
    item = catalogue.get(session, app.item_id)
    values = {f["name"]: str(form.get(f["name"], ""))[:5000] for f in item.form_fields if f["name"] in form}
    try:
        service.save_draft(session, app, values, principal=principal)
        session.commit()
        if form.get("submit"):
            service.act(
                session, app, "submit", ActionIn(), principal=principal, client_addr=client_addr(request)
            )
            return _back(f"/services/applications/{app.id}", f"已提交，办件编号 {app.number}")
    except AppError as exc:
        session.rollback()
        return _detail(request, session, app_id, principal, error=exc.message, status_code=exc.status_code)
    return _back(f"/services/applications/{app.id}", "草稿已保存")


@router.post("/services/applications/{app_id}/materials")
async def upload(
    request: Request,
    app_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    """Upload one material (PDF, JPEG, PNG)."""
    form = await request.form()
    app = service.get(session, app_id, principal)
    code = str(form.get("code", ""))[:32]
    try:
        content, filename = await _uploaded(form, "要上传的材料")
        service.attach_material(session, app, code, content, filename, principal=principal)
        session.commit()
    except AppError as exc:
        session.rollback()
        return _detail(request, session, app_id, principal, error=exc.message, status_code=exc.status_code)
    return _back(f"/services/applications/{app.id}", "材料已上传")


@router.post("/services/applications/{app_id}/act/{name}")
async def act(
    request: Request,
    app_id: Id,
    name: str,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    """One action of the flow from its form (the buttons come from the workflow's data)."""
    form = await request.form()
    app = service.get(session, app_id, principal)
    try:
        data = ActionIn(
            version=int(form["version"]) if str(form.get("version", "")).isdigit() else None,
            note=str(form.get("note", "")).strip() or None,
            verdict=form.get("verdict") or None,
            decision=form.get("decision") or None,
            materials=[
                c.strip() for c in str(form.get("materials", "")).replace("，", ",").split(",") if c.strip()
            ],
            promise_due=form.get("promise_due") or None,
            commitment=str(form.get("commitment", "")) or None,
            kind=form.get("kind") or None,
        )
        service.act(session, app, name[:32], data, principal=principal, client_addr=client_addr(request))
    except (AppError, ValidationError) as exc:
        session.rollback()
        status = exc.status_code if isinstance(exc, AppError) else 422
        return _detail(request, session, app_id, principal, error=error_text(exc), status_code=status)
    return _back(f"/services/applications/{app.id}", f"已{MACHINE.action(name).label}")


@router.post("/services/applications/{app_id}/rate")
async def rate(
    request: Request,
    app_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    """好差评 of one handling (online, or on the window's tablet)."""
    form = await request.form()
    app = service.get(session, app_id, principal)
    applicant = session.get(Applicant, app.applicant_id)
    try:
        data = RatingIn(
            level=int(str(form.get("level", "0")) or 0),
            comment=str(form.get("comment", ""))[:1000],
            channel="window" if principal.has_any(Role.WINDOW_CLERK) else "online",
        )
        rating.rate(
            session,
            app,
            data,
            principal=principal,
            at=now(),
            owner_ok=principal.owns(applicant.user_id) or principal.has_any(Role.WINDOW_CLERK),
        )
        session.commit()
    except (AppError, ValidationError, ValueError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, AppError) else "请选择评价等级"
        return _detail(request, session, app_id, principal, error=message, status_code=422)
    if form.get("tablet"):
        return _back("/services/window/rate", "感谢您的评价")
    return _back(f"/services/applications/{app.id}", "感谢您的评价")


@router.get("/services/window", response_class=HTMLResponse)
def window(
    request: Request,
    id_number: str | None = Query(None, max_length=18),
    session: Session = Depends(get_session),
    principal: Principal = Depends(WINDOW_ROLES),
) -> Response:
    """一窗受理: find the applicant by ID number (or register them) and enter an application."""
    found = service.find_applicant(session, id_number) if id_number else None
    return _render(
        request,
        "window.html",
        {
            "found": found,
            "id_number": id_number or "",
            "items": catalogue.published(session),
            "flash": _flash(request),
        },
    )


@router.post("/services/window")
async def window_apply(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(WINDOW_ROLES)
) -> Response:
    form = await request.form()
    try:
        applicant = service.register_applicant(
            session,
            ApplicantIn(
                kind="enterprise" if form.get("id_type") == "001" else "person",
                name=str(form.get("name", "")).strip(),
                id_type="001" if form.get("id_type") == "001" else "111",
                id_number=str(form.get("id_number", "")).strip().upper(),
                phone=str(form.get("phone", "")).strip() or None,
            ),
            principal=principal,
        )
        item_id = int(str(form.get("item_id", "0")) or 0)
        app = service.create(
            session, ApplicationIn(item_id=item_id, applicant_id=applicant.id), principal=principal
        )
        session.commit()
    except (AppError, ValidationError, ValueError) as exc:
        session.rollback()
        message = (
            exc.message
            if isinstance(exc, AppError)
            else error_text(exc)
            if isinstance(exc, ValidationError)
            else "请选择事项"
        )
        return _back("/services/window", message)
    return RedirectResponse(f"/services/applications/{app.id}", status_code=303)


@router.get("/services/payments", response_class=HTMLResponse)
def payments(request: Request, principal: Principal = Depends(PAYMENT_ROLES)) -> Response:
    return _render(request, "payments.html", {"result": None})


@router.post("/services/payments", response_class=HTMLResponse)
async def payments_import(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(PAYMENT_ROLES)
) -> Response:
    """Reconciliation import (对账): marks payments, lists mismatches."""
    form = await request.form()
    try:
        content, _ = await _uploaded(form, "对账文件")
        result = fees.reconcile(session, content, principal=principal, at=now())
        session.commit()
    except AppError as exc:
        session.rollback()
        return _render(request, "payments.html", {"result": None, "error": exc.message}, status_code=422)
    return _render(request, "payments.html", {"result": result})


@router.get("/services/rectifications", response_class=HTMLResponse)
def rectifications(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(RECTIFY_ROLES)
) -> Response:
    """差评整改: the department's tasks (the supervisor sees all, and the appeals)."""
    query = select(Rectification).order_by(Rectification.id.desc()).limit(200)
    if not principal.has_any(Role.SUPERVISOR):
        query = query.where(Rectification.department_id == principal.department_id)
    tasks = session.scalars(query).all()
    ratings = {
        r.id: r for r in session.scalars(select(Rating).where(Rating.id.in_([t.rating_id for t in tasks])))
    }
    return _render(
        request,
        "rectifications.html",
        {
            "tasks": tasks,
            "ratings": ratings,
            "labels": rating.STATUS_LABELS,
            "levels": rating.LEVEL_LABELS,
            "flash": _flash(request),
            "supervisor": principal.has_any(Role.SUPERVISOR),
        },
    )


@router.post("/services/rectifications/{task_id}/{step}")
async def rectification_step(
    request: Request,
    task_id: Id,
    step: str,
    session: Session = Depends(get_session),
    principal: Principal = Depends(RECTIFY_ROLES),
) -> Response:
    form = await request.form()
    note, at = str(form.get("note", ""))[:1000], now()
    try:
        task = rating.get_task(session, task_id, principal)
        steps = {"callback": rating.callback, "rectify": rating.rectify, "appeal": rating.appeal}
        if step in steps:
            steps[step](session, task, note, principal=principal, at=at)
        elif step == "decide_appeal":
            rating.decide_appeal(
                session, task, form.get("decision") == "yes", note, principal=principal, at=at
            )
        else:
            raise ValidationFailed("未知的操作", code="unknown_action")
        session.commit()
    except AppError as exc:
        session.rollback()
        return _back("/services/rectifications", exc.message)
    return _back("/services/rectifications", f"整改任务已更新：{rating.STATUS_LABELS[task.status]}")


@router.get("/services/rates", response_class=HTMLResponse)
def rates(
    request: Request,
    year: int = Query(None, ge=2000, le=2100),
    month: int = Query(None, ge=1, le=12),
    session: Session = Depends(get_session),
) -> Response:
    """好差评公示: monthly satisfaction per department and item, and the departments' scores (public)."""
    from smartgov.services.rating.scores import COMPONENT_LABELS, department_scores

    today = now()
    year, month = year or today.year, month or today.month
    from smartgov.services.models import ServiceItem

    names = {d.id: d.name for d in session.scalars(select(Department))}
    items = {i.id: i.name for i in session.scalars(select(ServiceItem))}
    return _render(
        request,
        "rates.html",
        {
            "rows": rating.monthly_rates(session, year, month),
            "scores": department_scores(session, year, month),
            "components": COMPONENT_LABELS,
            "names": names,
            "items": items,
            "year": year,
            "month": month,
        },
    )


@router.get("/services/admin/items", response_class=HTMLResponse)
def admin_items(
    request: Request,
    q: str | None = Query(None, max_length=100),
    session: Session = Depends(get_session),
    principal: Principal = Depends(ADMIN_ROLES),
) -> Response:
    """事项管理: every version, searchable."""
    from smartgov.services.models import ServiceItem

    query = select(ServiceItem).order_by(ServiceItem.impl_code, ServiceItem.version)
    if q:
        query = query.where(ServiceItem.name.contains(q.strip()) | ServiceItem.impl_code.contains(q.strip()))
    return _render(
        request,
        "admin_items.html",
        {
            "items": session.scalars(query.limit(500)).all(),
            "q": q or "",
            "labels": catalogue.STATUS_LABELS,
            "flash": _flash(request),
        },
    )


@router.get("/services/admin/items/export.{kind}")
def export_items(
    kind: str, session: Session = Depends(get_session), principal: Principal = Depends(ADMIN_ROLES)
) -> Response:
    """事项导出 (CSV or Excel)."""
    from smartgov.services.catalogue import transfer

    if kind == "xlsx":
        return Response(
            transfer.export_xlsx(session),
            headers={"Content-Disposition": 'attachment; filename="items.xlsx"'},
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if kind != "csv":
        raise ValidationFailed("只能导出 CSV 或 Excel", code="bad_format")
    return Response(
        transfer.export_csv(session),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="items.csv"'},
    )


@router.post("/services/admin/items/import")
async def import_items(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(ADMIN_ROLES)
) -> Response:
    """事项导入: every row becomes the next version (published); a bad row changes nothing."""
    from smartgov.services.catalogue import transfer

    form = await request.form()
    try:
        content, filename = await _uploaded(form, "导入文件")
        count = transfer.import_items(
            session,
            content,
            filename,
            principal=principal,
            publish=bool(form.get("publish")),
        )
        session.commit()
    except AppError as exc:
        session.rollback()
        return _back("/services/admin/items", f"导入失败，未做任何修改：{exc.message}")
    return _back("/services/admin/items", f"已导入 {count} 个事项")


@router.get("/services/admin/items/{item_id}", response_class=HTMLResponse)
def edit_item(
    request: Request,
    item_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(ADMIN_ROLES),
) -> Response:
    """One version as editable data (fields, materials, form): a draft is saved, a published one is copied."""
    import json

    item = catalogue.get(session, item_id)
    text = json.dumps(catalogue.as_input(session, item), ensure_ascii=False, indent=2)
    return _render(
        request,
        "admin_item.html",
        {
            "item": item,
            "text": text,
            "labels": catalogue.STATUS_LABELS,
            "flash": _flash(request),
            "error": None,
        },
    )


@router.post("/services/admin/items/{item_id}")
async def save_item(
    request: Request,
    item_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(ADMIN_ROLES),
) -> Response:
    import json

    from smartgov.services.schemas import ItemIn

    form = await request.form()
    item = catalogue.get(session, item_id)
    text = str(form.get("data", ""))[:200_000]
    try:
        try:
            data = ItemIn(**json.loads(text))
        except ValueError as exc:
            raise ValidationFailed(
                f"内容有误：{error_text(exc) if isinstance(exc, ValidationError) else '不是有效的 JSON'}",
                code="bad_item",
            ) from None
        if item.status != catalogue.DRAFT:
            item = catalogue.new_version(session, item.id, principal=principal)
        item = catalogue.update_draft(session, item.id, data, principal=principal)
        if form.get("publish"):
            catalogue.publish(session, item.id, principal=principal)
        session.commit()
    except AppError as exc:
        session.rollback()
        return _render(
            request,
            "admin_item.html",
            {
                "item": item,
                "text": text,
                "labels": catalogue.STATUS_LABELS,
                "flash": [],
                "error": exc.message,
            },
            status_code=exc.status_code,
        )
    return _back(
        f"/services/admin/items/{item.id}",
        f"已保存第 {item.version} 版（{catalogue.STATUS_LABELS[item.status]}）",
    )


@router.get("/services/applications/{app_id}/notice.pdf")
def notice(
    app_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(require_login)
) -> Response:
    """The acceptance decision's notice (受理通知书, 不予受理决定书, 一次性告知书 …), printable."""
    from smartgov.services import notices

    app = service.get(session, app_id, principal)
    return Response(
        notices.render(session, app),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{app.number}.pdf"'},
    )


@router.get("/services/workbench/export.csv")
def export_queue(
    queue: str = Query("all", max_length=20),
    q: str | None = Query(None, max_length=100),
    session: Session = Depends(get_session),
    principal: Principal = Depends(WORK_ROLES),
) -> Response:
    """导出 a queue as CSV (at most 5,000 rows; ID numbers masked; audited)."""
    from smartgov.web.exports import CSV_TYPE, csv_text, download
    from smartgov.web.templating import format_time

    rows, _ = service.find(session, principal, queue, q, 1, 5000)
    header = ["办件编号", "事项", "申请人", "证件号码", "状态", "牵头部门", "提交时间", "承诺办结"]
    table: list[list[str]] = [header]
    for app in rows:
        v = presenters.summary(session, app, principal)
        table.append([v["number"], v["item_name"], v["applicant_name"], v["applicant_id_number"],
                      v["status_label"], v["lead_department"], format_time(v["submitted_at"]),
                      format_time(v["due_at"])])
    audit.record(session, principal=principal, action="svc_application.export", object_type="svc_application",
                 object_id="workbench", detail={"queue": queue, "q": q or "", "rows": len(rows)})
    session.commit()
    return download(csv_text(table), CSV_TYPE, "applications.csv")


@router.get("/services/window/rate", response_class=HTMLResponse)
def tablet_rate(
    request: Request,
    number: str | None = Query(None, max_length=32),
    session: Session = Depends(get_session),
    principal: Principal = Depends(WINDOW_ROLES),
) -> Response:
    """评价器: the window's tablet where the applicant rates the handling just finished (一事一评)."""
    found = None
    if number:
        rows, _ = service.find(session, principal, "all", number.strip(), 1, 1)
        found = presenters.summary(session, rows[0], principal) if rows else None
    rated = bool(found and session.scalar(select(Rating.id).where(Rating.application_id == found["id"])))
    return _render(
        request,
        "tablet.html",
        {
            "found": found,
            "number": number or "",
            "rated": rated,
            "levels": rating.LEVEL_LABELS,
            "flash": _flash(request),
        },
    )
