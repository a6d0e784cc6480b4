"""Pages of 数据共享交换: the catalogue, requests and answers, granted data, the exchange log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session
from smartgov.errors import AppError
from smartgov.exchange import service
from smartgov.exchange.models import DataItem, Resource
from smartgov.exchange.workflow import REQUEST_FLOW, SHARE_TYPES, STATUS_LABELS
from smartgov.org.models import Department
from smartgov.params import Id, Page
from smartgov.web.forms import error_status, error_text, form_number, form_text, form_values
from smartgov.web.templating import render
from smartgov.workclock import timers
from smartgov.workflow import timeline

router = APIRouter(tags=["pages"], include_in_schema=False)
STAFF = menu_entry(
    "/exchange",
    "数据共享",
    65,
    Role.HANDLER,
    Role.APPROVER,
    Role.WINDOW_CLERK,
    Role.SUPERVISOR,
    Role.LEADER,
    Role.SYSTEM_ADMIN,
)
AUDITORS = menu_entry("/exchange/log", "交换日志", 92, Role.AUDIT_ADMIN)
CHANNEL_LABELS = {"api": "接口", "page": "平台页面", "service": "平台业务"}
RESULT_LABELS = {
    "ok": "成功",
    "denied": "无授权被拒",
    "rate_limited": "超过频率限制",
    "not_found": "无此记录",
}


def _departments(session: Session) -> dict[int, str]:
    return {d.id: d.name for d in session.scalars(select(Department))}


@router.get("/exchange", response_class=HTMLResponse)
def catalogue_page(
    request: Request,
    q: str | None = Query(None, max_length=50),
    share_type: str | None = Query(None, max_length=16),
    session: Session = Depends(get_session),
    principal: Principal = Depends(STAFF),
) -> Response:
    """政务信息资源目录: search the catalogue; each resource leads to its page and request form."""
    rows = service.catalogue(session, q=q, share_type=share_type if share_type in SHARE_TYPES else None)
    grants = (
        {g.resource_id for g in service.grants_of(session, principal.department_id)}
        if principal.department_id
        else set()
    )
    return render(
        request,
        "exchange/catalogue.html",
        {
            "rows": rows,
            "q": q or "",
            "share_type": share_type or "",
            "share_types": SHARE_TYPES,
            "departments": _departments(session),
            "granted": grants,
        },
    )


@router.get("/exchange/resources/{resource_id}", response_class=HTMLResponse)
def resource_page(
    request: Request,
    resource_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(STAFF),
) -> Response:
    """A resource with its data items, sharing conditions and the request form (申请共享)."""
    return _resource(request, session, principal, resource_id, {}, None)


def _resource(
    request: Request,
    session: Session,
    principal: Principal,
    resource_id: int,
    given: dict,
    error: str | None,
    status_code: int = 200,
) -> Response:
    resource = service.get_resource(session, resource_id)
    granted = (
        service.active_grants(session, principal.department_id, resource.id)
        if principal.department_id
        else {}
    )
    return render(
        request,
        "exchange/resource.html",
        {
            "r": resource,
            "share_types": SHARE_TYPES,
            "departments": _departments(session),
            "given": given,
            "error": error,
            "granted": granted,
            "own": resource.provider_department_id == principal.department_id,
        },
        status_code=status_code,
    )


@router.post("/exchange/resources/{resource_id}/request")
async def request_submit(
    request: Request,
    resource_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(STAFF),
) -> Response:
    """提交共享申请 from the resource page."""
    form = await request.form()
    try:
        req = service.submit_request(
            session,
            principal,
            resource_id=resource_id,
            purpose=form_text(form, "purpose") or "",
            legal_basis=form_text(form, "legal_basis") or "",
            fields=[str(v)[:64] for v in form.getlist("fields")][:100],
            plain_fields=[str(v)[:64] for v in form.getlist("plain_fields")][:100],
            duration_days=form_number(form, "duration_days", int, "使用期限") or 0,
        )
    except AppError as exc:
        session.rollback()
        given = form_values(form) | {
            "fields": form.getlist("fields"),
            "plain_fields": form.getlist("plain_fields"),
        }
        return _resource(request, session, principal, resource_id, given, error_text(exc), error_status(exc))
    return RedirectResponse(f"/exchange/requests/{req.id}", status_code=303)


@router.get("/exchange/requests", response_class=HTMLResponse)
def requests_page(
    request: Request,
    role: str = Query("mine", pattern="^(mine|todo|overdue|all)$"),
    session: Session = Depends(get_session),
    principal: Principal = Depends(STAFF),
) -> Response:
    """共享申请: 我的申请, 待我答复, 超期督办."""
    rows = service.requests_for(session, principal, role=role)
    return render(
        request,
        "exchange/requests.html",
        {
            "rows": rows,
            "role": role,
            "labels": STATUS_LABELS,
            "departments": _departments(session),
            "overdue_level": timers.overdue_level(),
        },
    )


@router.get("/exchange/requests/{request_id}", response_class=HTMLResponse)
def request_page(
    request: Request,
    request_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(STAFF),
) -> Response:
    """One request: what was asked, the answer clock, the actions this person may take, the timeline."""
    return _request(request, session, principal, request_id, None)


def _request(
    request: Request,
    session: Session,
    principal: Principal,
    request_id: int,
    error: str | None,
    status_code: int = 200,
) -> Response:
    req = service.get_request(session, principal, request_id)
    items = {i.name: i.label for i in req.resource.items}
    return render(
        request,
        "exchange/request.html",
        {
            "req": req,
            "labels": STATUS_LABELS,
            "items": items,
            "departments": _departments(session),
            "actions": REQUEST_FLOW.allowed(req, principal),
            "error": error,
            "events": timeline.entries(session, "exchange_request", [req.id]),
            "step_label": REQUEST_FLOW.step_label,
            "overdue_level": timers.overdue_level(),
        },
        status_code=status_code,
    )


@router.post("/exchange/requests/{request_id}/act/{name}")
async def request_act(
    request: Request,
    request_id: Id,
    name: str,
    session: Session = Depends(get_session),
    principal: Principal = Depends(STAFF),
) -> Response:
    """同意 / 拒绝 / 撤回 from the request page."""
    form = await request.form()
    try:
        service.act(
            session,
            principal,
            request_id,
            name[:32],
            note=form_text(form, "note"),
            version=form_number(form, "version", int, "版本号"),
            client_addr=client_addr(request),
        )
    except AppError as exc:
        session.rollback()
        return _request(request, session, principal, request_id, error_text(exc), error_status(exc))
    return RedirectResponse(f"/exchange/requests/{request_id}", status_code=303)


@router.get("/exchange/data/{code}", response_class=HTMLResponse)
def data_page(
    request: Request,
    code: str,
    key: str | None = Query(None, max_length=32),
    page: Page = 1,
    session: Session = Depends(get_session),
    principal: Principal = Depends(STAFF),
) -> Response:
    """共享数据: the records of a resource as my department's grants allow (each view logged)."""
    per_page = 50
    try:
        data = service.read_resource(
            session,
            service.reader_for(principal, "page"),
            code[:64],
            key=key,
            offset=(page - 1) * per_page,
            limit=per_page,
        )
    except AppError as exc:
        return render(
            request,
            "web/error.html",
            {"code": exc.code, "message": exc.message, "status": exc.status_code},
            status_code=exc.status_code,
        )
    return render(
        request, "exchange/data.html", {"data": data, "key": key or "", "page": page, "per_page": per_page}
    )


@router.get("/exchange/log", response_class=HTMLResponse)
def log_page(
    request: Request,
    resource_code: str = Query("", max_length=64),
    record_key: str = Query("", max_length=32),
    page: Page = 1,
    verify: bool = False,
    session: Session = Depends(get_session),
    principal: Principal = Depends(AUDITORS),
) -> Response:
    """交换日志 for the audit administrator: search by resource or record, check the hash chain."""
    rows, total = service.search_log(
        session, principal, resource_code=resource_code, record_key=record_key, page=page
    )
    check = service.verify_log(session) if verify else None
    return render(
        request,
        "exchange/log.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "resource_code": resource_code,
            "record_key": record_key,
            "departments": _departments(session),
            "channels": CHANNEL_LABELS,
            "results": RESULT_LABELS,
            "check": check,
            "field_labels": {
                (code, name): label
                for code, name, label in session.execute(
                    select(Resource.code, DataItem.name, DataItem.label).join(
                        DataItem, DataItem.resource_id == Resource.id
                    )
                )
            },
        },
    )
