"""JSON API of the exchange: catalogue, DCAT-AP export, requests, grant-scoped records, keys, log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr, current_principal, require_staff
from smartgov.auth.principal import Principal
from smartgov.db import get_session
from smartgov.exchange import service
from smartgov.exchange.models import ExchangeRequest, Resource
from smartgov.exchange.schemas import (
    ActionIn,
    ItemOut,
    KeyIn,
    LogOut,
    RecordsOut,
    RequestIn,
    RequestOut,
    ResourceOut,
)
from smartgov.exchange.workflow import SHARE_TYPES
from smartgov.params import Id, Offset, Page

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])


def resource_out(r: Resource) -> ResourceOut:
    return ResourceOut(
        id=r.id,
        code=r.code,
        name=r.name,
        classification=r.classification,
        provider_department_id=r.provider_department_id,
        summary=r.summary,
        format=r.format,
        share_type=r.share_type,
        share_type_label=SHARE_TYPES[r.share_type],
        share_conditions=r.share_conditions,
        open_type=r.open_type,
        update_cycle=r.update_cycle,
        published_on=r.published_on,
        items=[
            ItemOut(name=i.name, label=i.label, data_type=i.data_type, personal=bool(i.personal_kind))
            for i in r.items
        ],
    )


def request_out(r: ExchangeRequest) -> RequestOut:
    return RequestOut(
        id=r.id,
        resource_code=r.resource.code,
        resource_name=r.resource.name,
        consumer_department_id=r.consumer_department_id,
        fields=r.fields,
        plain_fields=r.plain_fields or [],
        status=r.status,
        status_label=service.status_label(r.status),
        due_at=r.due_at,
        warning_level=r.warning_level,
        reason=r.reason,
        version=r.version,
    )


@router.get("/resources", response_model=list[ResourceOut])
def list_resources(
    q: str | None = Query(None, max_length=50),
    share_type: str | None = Query(None, max_length=16),
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> list[ResourceOut]:
    """资源目录检索: resources by name, code, summary or data item."""
    return [resource_out(r) for r in service.catalogue(session, q=q, share_type=share_type)]


@router.get("/catalogue.jsonld")
def dcat(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)
) -> dict[str, Any]:
    """The catalogue as DCAT-AP JSON-LD (CKAN's DCAT extension harvests it)."""
    return service.dcat_catalogue(session, str(request.base_url))


@router.post("/requests", response_model=RequestOut, status_code=201)
def submit(
    data: RequestIn, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)
) -> RequestOut:
    """提交共享申请: 无条件 resources are granted at once, 有条件 ones wait for the provider."""
    req = service.submit_request(
        session,
        principal,
        resource_id=data.resource_id,
        purpose=data.purpose,
        legal_basis=data.legal_basis,
        fields=data.fields,
        plain_fields=data.plain_fields,
        duration_days=data.duration_days,
    )
    return request_out(req)


@router.get("/requests", response_model=list[RequestOut])
def list_requests(
    role: str = Query("all", pattern="^(all|mine|todo|overdue)$"),
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> list[RequestOut]:
    """Requests of my department: mine (asked), todo (to answer), overdue, all."""
    return [request_out(r) for r in service.requests_for(session, principal, role=role)]


@router.post("/requests/{request_id}/actions/{name}", response_model=RequestOut)
def act(
    request_id: Id,
    name: str,
    data: ActionIn,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> RequestOut:
    """同意 / 拒绝（须说明理由）/ 撤回."""
    req = service.act(
        session,
        principal,
        request_id,
        name[:32],
        note=data.note,
        version=data.version,
        client_addr=client_addr(request),
    )
    return request_out(req)


@router.get("/resources/{code}/records", response_model=RecordsOut)
def records(
    code: str,
    key: str | None = Query(None, max_length=32),
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=200),
    x_exchange_key: str | None = Header(None, max_length=200, description="接口密钥"),
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """Records of a resource within the consumer's grants (共享读取), logged; a key or a staff login."""
    if x_exchange_key:
        consumer = service.key_department(session, x_exchange_key)
        reader = service.Reader(
            consumer.department_id, f"接口密钥 {consumer.prefix}", "api", per_minute=consumer.per_minute
        )
    else:
        reader = service.reader_for(principal, "api")
    return service.read_resource(session, reader, code[:64], key=key, offset=min(offset, 10**9), limit=limit)


@router.post("/keys", status_code=201)
def create_key(
    data: KeyIn, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)
) -> dict[str, str]:
    """A new API key for my department (shown once)."""
    return {"key": service.create_key(session, principal, data.name, per_minute=data.per_minute)}


@router.get("/log", response_model=dict)
def log(
    resource_code: str = Query("", max_length=64),
    record_key: str = Query("", max_length=32),
    department_id: Id | None = None,
    page: Page = 1,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_staff),
) -> dict[str, Any]:
    """交换日志: the audit administrator searches all of it; a department sees its own reads."""
    rows, total = service.search_log(
        session,
        principal,
        resource_code=resource_code,
        record_key=record_key,
        department_id=department_id,
        page=page,
    )
    return {
        "total": total,
        "page": page,
        "items": [LogOut.model_validate(r, from_attributes=True).model_dump(mode="json") for r in rows],
    }
