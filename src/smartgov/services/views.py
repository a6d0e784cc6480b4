"""JSON API of 一网通办 under /api/v1/services: guide, applications, actions, fees, ratings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr, require_login, require_roles, require_staff
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session, now
from smartgov.errors import NotFound
from smartgov.params import Id, Page
from smartgov.services import presenters, service
from smartgov.services.catalogue import service as catalogue
from smartgov.services.fees import service as fees
from smartgov.services.models import Applicant
from smartgov.services.rating import service as rating
from smartgov.services.schemas import ActionIn, ApplicantIn, ApplicationIn, DraftIn, ItemIn, RatingIn

router = APIRouter(prefix="/api/v1/services", tags=["services"])
ADMINS = (Role.SYSTEM_ADMIN,)


def _item_out(session: Session, item: Any) -> dict[str, Any]:
    return catalogue.as_input(session, item) | {"id": item.id, "version": item.version, "status": item.status}


@router.get("/items")
def list_items(q: str | None = Query(None, max_length=100), session: Session = Depends(get_session)) -> list:
    """The published items of the 办事指南 (anyone may read it)."""
    return [_item_out(session, i) for i in catalogue.published(session, q=q)]


@router.get("/items/{item_id}")
def get_item(item_id: Id, session: Session = Depends(get_session)) -> dict:
    """One item version with every guide field, its materials and its form."""
    return _item_out(session, catalogue.get(session, item_id))


@router.post("/items", status_code=201)
def create_item(
    data: ItemIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_roles(*ADMINS)),
) -> dict:
    """A new item version as a draft (administrator)."""
    item = catalogue.create_draft(session, data, principal=principal)
    session.commit()
    return _item_out(session, item)


@router.put("/items/{item_id}")
def update_item(
    item_id: Id,
    data: ItemIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_roles(*ADMINS)),
) -> dict:
    item = catalogue.update_draft(session, item_id, data, principal=principal)
    session.commit()
    return _item_out(session, item)


@router.post("/items/{item_id}/publish")
def publish_item(
    item_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_roles(*ADMINS)),
) -> dict:
    item = catalogue.publish(session, item_id, principal=principal)
    session.commit()
    return _item_out(session, item)


@router.post("/applicants", status_code=201)
def register_applicant(
    data: ApplicantIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_roles(Role.WINDOW_CLERK)),
) -> dict:
    """The window finds or registers an applicant by ID number (窗口登记)."""
    applicant = service.register_applicant(session, data, principal=principal)
    session.commit()
    return {"id": applicant.id, "name": applicant.name, "id_number": applicant.id_number}


@router.post("/applications", status_code=201)
def create_application(
    data: ApplicationIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> dict:
    """A draft application, prefilled; reusable materials attached."""
    app = service.create(session, data, principal=principal)
    session.commit()
    return presenters.detail(session, app, principal)


@router.get("/applications")
def list_applications(
    queue: str = Query("all", max_length=20),
    q: str | None = Query(None, max_length=100),
    page: Page = 1,
    page_size: int = Query(20, ge=1, le=200),
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> dict:
    """Applications in a queue (待受理, 并联待办, 已超期 …) within the caller's scope; search by number,
    applicant or item."""
    rows, total = service.find(session, principal, queue, q, page, page_size)
    return {"total": total, "page": page, "items": [presenters.summary(session, a, principal) for a in rows]}


@router.get("/applications/{app_id}")
def get_application(
    app_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(require_login)
) -> dict:
    return presenters.detail(session, service.get(session, app_id, principal), principal)


@router.put("/applications/{app_id}")
def save_draft(
    app_id: Id,
    data: DraftIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> dict:
    """Save the form (保存草稿)."""
    app = service.get(session, app_id, principal)
    service.save_draft(session, app, data.form_data, principal=principal)
    session.commit()
    return presenters.detail(session, app, principal)


@router.post("/applications/{app_id}/materials/{code}", status_code=201)
async def upload_material(
    app_id: Id,
    code: str,
    request: Request,
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> dict:
    """Upload one material (PDF, JPEG or PNG; size-limited)."""
    app = service.get(session, app_id, principal)
    entry = service.attach_material(
        session, app, code[:32], await file.read(), file.filename or "材料", principal=principal
    )
    session.commit()
    return entry


@router.post("/applications/{app_id}/actions/{name}")
def act(
    app_id: Id,
    name: str,
    data: ActionIn,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> dict:
    """One step of the flow (提交, 受理, 并联意见, 决定, 制证 …); 409 in the wrong state, 403 for the
    wrong role or department."""
    app = service.get(session, app_id, principal)
    service.act(session, app, name[:32], data, principal=principal, client_addr=client_addr(request))
    return presenters.detail(session, app, principal)


@router.get("/applications/{app_id}/payment")
def payment(
    app_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(require_login)
) -> dict:
    """The payment notice (缴款通知) with its code and amount."""
    app = service.get(session, app_id, principal)
    found = fees.of_application(session, app)
    if found is None:
        raise NotFound("该办件没有缴款通知", code="no_payment")
    return {
        "code": found.code,
        "amount": fees.yuan(found.amount_cents),
        "status": found.status,
        "status_label": fees.STATUS_LABELS[found.status],
        "paid_at": found.paid_at,
    }


@router.post("/payments/reconcile")
async def reconcile(
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_roles(Role.WINDOW_CLERK)),
) -> dict:
    """Import the payment platform's reconciliation CSV (缴款码,金额,流水号)."""
    result = fees.reconcile(session, await file.read(), principal=principal, at=now())
    session.commit()
    return {"matched": result.matched, "mismatches": result.mismatches}


@router.post("/applications/{app_id}/rating", status_code=201)
def rate(
    app_id: Id,
    data: RatingIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> dict:
    """好差评 of one handling: by the applicant online, or at the window's tablet."""
    app = service.get(session, app_id, principal)
    applicant = session.get(Applicant, app.applicant_id)
    owner = principal.owns(applicant.user_id) or principal.has_any(Role.WINDOW_CLERK)
    given = rating.rate(session, app, data, principal=principal, at=now(), owner_ok=owner)
    session.commit()
    return {"id": given.id, "level": given.level, "label": rating.LEVEL_LABELS[given.level]}


@router.get("/ratings/monthly")
def monthly(
    year: int = Query(ge=2000, le=2100),
    month: int = Query(ge=1, le=12),
    session: Session = Depends(get_session),
) -> list:
    """Published monthly satisfaction per department and item (好评率公示)."""
    return rating.monthly_rates(session, year, month)


@router.get("/rectifications/{task_id}")
def rectification(
    task_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)
) -> dict:
    task = rating.get_task(session, task_id, principal)
    return {
        "id": task.id,
        "status": task.status,
        "status_label": rating.STATUS_LABELS[task.status],
        "due_at": task.due_at,
        "callback_note": task.callback_note,
        "rectify_note": task.rectify_note,
    }


@router.post("/rectifications/{task_id}/{step}")
def rectification_step(
    task_id: Id,
    step: str,
    data: ActionIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> dict:
    """回访 (callback), 整改 (rectify), 申诉 (appeal) by the department; 复核 (decide_appeal) by the
    supervisor with decision yes/no."""
    task = rating.get_task(session, task_id, principal)
    note, at = data.note or "", now()
    if step == "callback":
        rating.callback(session, task, note, principal=principal, at=at)
    elif step == "rectify":
        rating.rectify(session, task, note, principal=principal, at=at)
    elif step == "appeal":
        rating.appeal(session, task, note, principal=principal, at=at)
    elif step == "decide_appeal":
        rating.decide_appeal(session, task, data.decision == "yes", note, principal=principal, at=at)
    else:
        raise NotFound("未知的操作", code="unknown_action")
    session.commit()
    return rectification(task_id, session, principal)
