"""JSON API of 一网统管: intake, queues, case detail, workflow actions, tracking."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Query, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr, current_principal, require_staff
from smartgov.auth.principal import Principal
from smartgov.cases import service
from smartgov.cases.attachments import save_attachment
from smartgov.cases.models import Case, Category
from smartgov.cases.presenters import case_list, case_view, track_out
from smartgov.cases.queries import CaseFilter, find_cases
from smartgov.cases.schemas import (
    ActionInput,
    CaseIntake,
    CaseOut,
    CitizenFeedbackIn,
    EventOut,
    IntakeResult,
    TrackOut,
)
from smartgov.cases.workflow import Status
from smartgov.db import get_session
from smartgov.org.models import Area, Department
from smartgov.params import Id, Page

router = APIRouter(prefix="/api/v1", tags=["cases"])

def intake_result(session: Session, case: Case, principal: Principal) -> IntakeResult:
    grid = session.get(Area, case.grid_id) if case.grid_id else None
    dept = session.get(Department, case.lead_department_id) if case.lead_department_id else None
    from smartgov.cases.duplicates import duplicate_suggestions

    return IntakeResult(
        id=case.id,
        tracking_code=case.tracking_code,
        case_no=case.case_no,
        status=case.status,
        status_label=Status(case.status).label,
        grid_code=grid.code if grid else None,
        department_name=dept.name if dept else None,
        expected_at=case.expected_at,
        duplicates=duplicate_suggestions(session, case, principal),
    )


@router.post("/cases", response_model=IntakeResult, status_code=201)
def create_case(
    data: CaseIntake,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> IntakeResult:
    """Report a problem (报事): anonymous with a phone number, or logged in."""
    case = service.intake(session, data, principal=principal, client_addr=client_addr(request))
    return intake_result(session, service.settled(session, case), principal)


@router.post("/cases/{case_id}/photos", status_code=201)
async def upload_photo(
    case_id: Id,
    request: Request,
    file: UploadFile = File(...),
    kind: str = Query("photo"),
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> dict:
    """Attach a photo (JPEG/PNG/WebP, size-limited) to a case the caller may see or just reported."""
    case = service.get_case(session, case_id, principal)
    service.check_may_attach(case, principal)
    content = await file.read()
    filename = file.filename or "photo"
    event = service.add_event(
        session, case, principal, "attach", case.status, case.status, f"上传照片 {filename}"
    )
    session.flush()
    att = save_attachment(session, case, content, filename, kind=kind, event_id=event.id,
                          principal=principal)
    session.commit()
    return {"id": att.id, "filename": att.filename, "size": att.size}


@router.get("/cases", response_model=dict)
def list_cases(
    queue: str = "all",
    q: str | None = None,
    status: str | None = None,
    page: Page = 1,
    page_size: int = Query(20, ge=1, le=200),
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> dict:
    """Cases in a workbench queue this principal may see (待核实, 待派遣, 已超期 …)."""
    rows, total = find_cases(
        session,
        principal,
        CaseFilter(queue=queue, q=q, status=status, page=page, page_size=page_size),
    )
    return {"total": total, "page": page, "items": case_list(session, rows, principal)}


@router.get("/cases/mine", response_model=list[TrackOut])
def my_cases(
    session: Session = Depends(get_session), principal: Principal = Depends(current_principal)
) -> list[TrackOut]:
    """A logged-in citizen's own reports."""
    principal.require_any("citizen", "enterprise")
    rows = session.scalars(
        select(Case).where(Case.reporter_user_id == principal.user_id).order_by(Case.id.desc()).limit(100)
    ).all()
    return [track_out(session, c) for c in rows]


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(
    case_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> CaseOut:
    service.require_case_reader(principal)
    shown = case_view(session, service.get_case(session, case_id, principal), principal)
    session.commit()  # the audit line of an unmasked view
    return shown


@router.get("/cases/{case_id}/events", response_model=list[EventOut])
def case_events(
    case_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> list[Any]:
    """The internal timeline (staff only; citizens see the public steps on the tracking page)."""
    case = service.get_case(session, case_id, principal)
    return service.timeline_of(session, case.id)


@router.post("/cases/{case_id}/actions/{name}", response_model=CaseOut)
def do_action(
    case_id: Id,
    name: str,
    data: ActionInput,
    request: Request,
    background: BackgroundTasks,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> CaseOut:
    """Take a workflow action (核实, 立案, 派遣, 处置反馈, 核查, 结案, 回访 …); see allowed_actions."""
    service.require_case_reader(principal)
    case = service.act(session, case_id, name, data, principal=principal, client_addr=client_addr(request))
    shown = case_view(session, case, principal)
    session.commit()  # the audit line of an unmasked view
    return shown


@router.get("/cases/{case_id}/suggestions")
def dispatch_suggestions(
    case_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)
) -> list[dict]:
    """The top 3 departments the learned model suggests for this case, with confidence."""
    from dataclasses import asdict

    from smartgov.cases.routing import suggestions_for

    case = service.get_case(session, case_id, principal)
    return [asdict(s) for s in suggestions_for(session, case)]


@router.get("/track/{tracking_code}", response_model=TrackOut, tags=["portal"])
def track(tracking_code: str, session: Session = Depends(get_session)) -> TrackOut:
    """Anyone with the tracking code sees the status and result (进度查询), no personal data."""
    return track_out(session, service.case_by_tracking_code(session, tracking_code))


@router.post("/track/{tracking_code}/feedback", response_model=TrackOut, tags=["portal"])
def citizen_feedback(
    tracking_code: str,
    data: CitizenFeedbackIn,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> TrackOut:
    """群众评价: the reporter (logged in, or with the phone's last 4 digits) confirms the fix or
    says it is not fixed and rates the handling, once per closing."""
    service.citizen_feedback(session, tracking_code, data, principal=principal,
                             client_addr=client_addr(request))
    return track_out(session, service.case_by_tracking_code(session, tracking_code))


@router.get("/categories", tags=["portal"])
def categories(session: Session = Depends(get_session)) -> list[dict]:
    """The public catalogue: minor classes with their major class."""
    rows = session.scalars(
        select(Category)
        .where(Category.is_active.is_(True), Category.level == "minor")
        .order_by(Category.sort_order, Category.code)
    ).all()
    return [
        {
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "group": c.parent.name if c.parent else None,
            "handle_limit": c.handle_limit,
        }
        for c in rows
    ]
