"""Staff intake screens: the 12345 hotline operator, the grid inspector (phone), 上级交办."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.cases import service
from smartgov.cases.attachments import attach_photos, hold_photos
from smartgov.cases.models import Case, KnowledgeArticle, RequestType
from smartgov.cases.pages import category_groups, intake_from_form
from smartgov.cases.presenters import case_view
from smartgov.cases.schemas import Source
from smartgov.cases.service import CHANNEL_ROLES
from smartgov.db import get_session
from smartgov.errors import AppError
from smartgov.web.forms import error_text, form_values
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

HOTLINE_ROLES = menu_entry("/hotline", "热线受理", 20, *CHANNEL_ROLES[Source.HOTLINE])
INSPECTOR_ROLES = menu_entry("/inspector", "监督员上报", 30, *CHANNEL_ROLES[Source.INSPECTOR])
ASSIGN_ROLES = menu_entry("/assign", "上级交办", 40, *CHANNEL_ROLES[Source.SUPERIOR])


def knowledge_search(session: Session, q: str, limit: int = 8) -> list[KnowledgeArticle]:
    """知识库检索: articles whose title, question, answer or keywords contain the words."""
    words = [w for w in q.replace("，", " ").split() if w][:5]
    if not words:
        return []
    conditions = [
        or_(
            KnowledgeArticle.title.contains(w),
            KnowledgeArticle.question.contains(w),
            KnowledgeArticle.keywords.contains(w),
            KnowledgeArticle.answer.contains(w),
        )
        for w in words
    ]
    return list(session.scalars(select(KnowledgeArticle).where(or_(*conditions)).limit(limit)))


def caller_history(session: Session, phone: str, limit: int = 10) -> list[Case]:
    """The caller's earlier requests (来电历史), newest first."""
    return list(
        session.scalars(
            select(Case).where(Case.reporter_phone == phone).order_by(Case.id.desc()).limit(limit)
        )
    )


@router.get("/hotline", response_class=HTMLResponse)
def hotline_screen(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(HOTLINE_ROLES),
) -> Response:
    """话务员受理: caller, request type, urgency, knowledge base and caller history."""
    return render(
        request,
        "cases/hotline.html",
        {
            "groups": category_groups(session),
            "form": {},
            "request_types": session.scalars(select(RequestType)).all(),
        },
    )


@router.get("/hotline/kb", response_class=HTMLResponse)
def hotline_kb(
    request: Request,
    q: str = "",
    session: Session = Depends(get_session),
    principal: Principal = Depends(HOTLINE_ROLES),
) -> Response:
    return render(request, "cases/_kb.html", {"articles": knowledge_search(session, q)})


@router.get("/hotline/history", response_class=HTMLResponse)
def hotline_history(
    request: Request,
    phone: str = "",
    session: Session = Depends(get_session),
    principal: Principal = Depends(HOTLINE_ROLES),
) -> Response:
    """来电历史 of the number typed; each case found is a view of the caller's data (audited)."""
    rows = caller_history(session, phone.strip()) if len(phone.strip()) >= 5 else []
    shown = [case_view(session, c, principal) for c in rows]
    session.commit()
    return render(request, "cases/_history.html", {"rows": shown})


STAFF_PHOTOS = {"photos": "photo", "before": "before", "after": "after"}  # form field → photo kind


async def _record(
    request: Request,
    session: Session,
    principal: Principal,
    source: Source,
    template: str,
    context: dict,
) -> Response:
    form = await request.form()
    try:
        data = intake_from_form(form, source)
        case = service.intake(
            session,
            data,
            principal=principal,
            client_addr=client_addr(request),
        )
    except (ValidationError, AppError) as exc:
        session.rollback()
        kept, problems = await hold_photos(session, form, STAFF_PHOTOS, principal)
        error = "；".join([error_text(exc), *problems])
        return render(request, template, {**context, "form": form_values(form), "kept": kept, "error": error},
                      422)
    problems = await attach_photos(session, case, form, STAFF_PHOTOS, principal)
    message = f"已登记 {case.case_no}" + (
        f"；照片未上传：{'；'.join(problems)}" if problems else ""
    )
    if service.case_visible(session, case.id, principal):
        return RedirectResponse(f"/cases/{case.id}?msg={message}", status_code=303)
    return RedirectResponse(f"/workbench?msg={message}", status_code=303)


@router.post("/hotline")
async def hotline_record(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(HOTLINE_ROLES),
) -> Response:
    """登记工单 or 直接办结 (a consultation answered at once)."""
    return await _record(
        request,
        session,
        principal,
        Source.HOTLINE,
        "cases/hotline.html",
        {
            "groups": category_groups(session),
            "request_types": session.scalars(select(RequestType)).all(),
        },
    )


@router.get("/inspector", response_class=HTMLResponse)
def inspector_screen(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(INSPECTOR_ROLES),
) -> Response:
    """监督员上报 (works on a phone): class, photos, GPS position, grid filled in automatically."""
    return render(request, "cases/inspector.html", {"groups": category_groups(session), "form": {}})


@router.post("/inspector")
async def inspector_record(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(INSPECTOR_ROLES),
) -> Response:
    return await _record(
        request,
        session,
        principal,
        Source.INSPECTOR,
        "cases/inspector.html",
        {"groups": category_groups(session)},
    )


@router.get("/assign", response_class=HTMLResponse)
def assign_screen(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(ASSIGN_ROLES),
) -> Response:
    """上级交办: record an assignment from a superior office with its reference number."""
    return render(request, "cases/assign.html", {"groups": category_groups(session), "form": {}})


@router.post("/assign")
async def assign_record(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(ASSIGN_ROLES),
) -> Response:
    return await _record(
        request,
        session,
        principal,
        Source.SUPERIOR,
        "cases/assign.html",
        {"groups": category_groups(session)},
    )
