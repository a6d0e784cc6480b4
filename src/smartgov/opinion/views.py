"""JSON API of 舆情监测: partner push, file import, items, alerts and their handling, 专题, sources."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr, current_principal
from smartgov.auth.principal import Principal
from smartgov.db import get_session
from smartgov.opinion import service, stats
from smartgov.opinion.models import OpinionAlert
from smartgov.opinion.schemas import (
    AlertAction,
    AlertOut,
    ItemOut,
    PushIn,
    PushResult,
    SourceIn,
    SubjectIn,
)
from smartgov.params import Id, Page

router = APIRouter(prefix="/api/v1/opinion", tags=["opinion"])


def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is read in the configured zone (Asia/Shanghai)."""
    if value is None or value.tzinfo is not None:
        return value
    from smartgov.config import get_settings

    return value.replace(tzinfo=get_settings().tz)


@router.post("/push", response_model=PushResult, status_code=201)
def push(
    data: PushIn,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> PushResult:
    """合作方推送: items for a source; each runs through the pipeline as a job (alerts within a minute)."""
    return service.push(session, data.source_code, data.items, principal, client_addr(request))


@router.post("/import", response_model=PushResult, status_code=201)
async def import_items(
    source_code: str = Form(..., max_length=64),
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> PushResult:
    """导入 exported data (CSV with a header row, or JSONL) into a source."""
    content = await file.read(service.MAX_IMPORT_BYTES + 1)
    return service.import_file(session, source_code, content, file.filename or "", principal)


@router.post("/sources", status_code=201)
def save_source(
    data: SourceIn, session: Session = Depends(get_session), principal: Principal = Depends(current_principal)
) -> dict[str, int]:
    """新建或修改信息源."""
    return {"id": service.save_source(session, data, principal).id}


@router.get("/items", response_model=list[ItemOut])
def items(
    q: str = Query("", max_length=200),
    polarity: str | None = Query(None, pattern="^(positive|neutral|negative)$"),
    min_sensitivity: int | None = Query(None, ge=0, le=100),
    topic_id: Id | None = None,
    source_id: Id | None = None,
    street_id: Id | None = None,
    account_id: Id | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: Page = 1,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> list[ItemOut]:
    """信息检索 with filters, newest first, 50 a page."""
    since, until = (_aware(v) for v in (since, until))
    _, rows = service.search_items(
        session,
        principal,
        q=q,
        polarity=polarity,
        min_sensitivity=min_sensitivity,
        topic_id=topic_id,
        source_id=source_id,
        street_id=street_id,
        account_id=account_id,
        since=since,
        until=until,
        offset=(page - 1) * 50,
    )
    return [ItemOut.model_validate(r) for r in rows]


@router.get("/alerts", response_model=list[AlertOut])
def alerts(
    status: str | None = Query(None, pattern="^(open|dismissed|following|case|responded)$"),
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> list[AlertOut]:
    """预警列表, newest first."""
    principal.require_any(*service.READERS)
    query = select(OpinionAlert).order_by(OpinionAlert.created_at.desc(), OpinionAlert.id.desc()).limit(200)
    if status:
        query = query.where(OpinionAlert.status == status)
    return [AlertOut.model_validate(a) for a in session.scalars(query)]


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def alert(
    alert_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(current_principal)
) -> AlertOut:
    return AlertOut.model_validate(service.get_alert(session, alert_id, principal))


@router.post("/alerts/{alert_id}/actions", response_model=AlertOut)
def act(
    alert_id: Id,
    data: AlertAction,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> AlertOut:
    """预警处置: dismiss, follow as a 专题, turn into a case, publish the official response."""
    alert = service.handle_alert(
        session, alert_id, data.action, principal, note=data.note, category_code=data.category_code
    )
    return AlertOut.model_validate(alert)


@router.post("/subjects", status_code=201)
def create_subject(
    data: SubjectIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> dict[str, int]:
    """新建专题."""
    return {"id": service.create_subject(session, data, principal).id}


@router.get("/subjects/{subject_id}")
def subject(
    subject_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(current_principal)
) -> dict:
    """专题 figures: volume by day, sentiment share, sources, regions, top items and accounts."""
    return stats.subject_report(session, subject_id, principal)
