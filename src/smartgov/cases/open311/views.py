"""Open311 GeoReport v2 at /open311/v2 (城市诉求国际接口): services, requests, tokens; keys.

Every endpoint answers in JSON or XML after its format suffix (``/services.json``,
``/services.xml``). Errors are the GeoReport list of ``{code, description}`` (``<errors>`` in
XML) with 404 for unknown objects, 403 for a missing or bad ``api_key`` and 400 otherwise.
A POST goes through the one intake function like every other channel. Nothing personal
(reporter name, phone, tracking code) is ever published.

Extensions, documented in ``/discovery``: ``page`` / ``page_size`` on ``GET /requests``
(default 100, at most 1000); ``address_id`` is the unit-grid code (单元网格编码).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import pydantic
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from smartgov import files
from smartgov.auth import audit
from smartgov.auth.deps import client_addr
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import ANONYMOUS, Principal
from smartgov.auth.roles import Role
from smartgov.cases import service
from smartgov.cases.attachments import case_photo
from smartgov.cases.attributes import answer_lines, answers_in_form, checked_answers, definitions_of
from smartgov.cases.models import Case, Category, Open311Client
from smartgov.cases.open311.keys import client_for_key, create_client
from smartgov.cases.schemas import CaseIntake, Source
from smartgov.cases.workflow import PUBLIC_LABELS, Status
from smartgov.config import get_settings
from smartgov.db import get_session, now
from smartgov.errors import AppError, Forbidden, NotFound, ValidationFailed
from smartgov.org.models import Area, Department
from smartgov.params import Id, Page
from smartgov.web.templating import render
from smartgov.workclock.service import parse_moment

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-01-01T00:00:00+08:00"  # when this API's behaviour last changed
CONTACT = "城市运行管理中心（一网统管）；API 密钥请向系统管理员申请"
KEY_SERVICE = ("API 密钥由系统管理员在「Open311 接入管理」(/admin/open311) 签发，"
               "或运行 smartgov open311 key create NAME")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_RANGE = timedelta(days=90)
DESCRIPTION_MAX = 4000
# Open311 "closed": the work is over for the requester (办结, 待回访, 作废, 已并单).
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.PENDING_CALLBACK, Status.VOID, Status.MERGED})
# 信访 is confidential by law (信访工作条例): petitions are never published.
UNLISTED_SOURCES = frozenset({Source.PETITION})
XML_ITEM_TAGS = {"services": "service", "service_requests": "request", "attributes": "attribute",
                 "values": "value", "endpoints": "endpoint", "formats": "format",
                 "errors": "error", "extensions": "extension"}
_XML_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CJK = re.compile("[\u4e00-\u9fff]")


class Fmt(StrEnum):
    """The response format named by the path suffix."""

    JSON = "json"
    XML = "xml"


# --- serialisation -----------------------------------------------------------------------------

def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        child_tag = XML_ITEM_TAGS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, child_tag), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_BAD_CHARS.sub("", str(value))


def xml_document(root_tag: str, value: Any) -> bytes:
    """GeoReport v2 XML: lists become repeated children (<services><service>…), UTF-8."""
    root = ET.Element(root_tag)
    _fill(root, value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def output(fmt: Fmt | str, root_tag: str, value: Any, status_code: int = 200) -> Response:
    if str(fmt) == Fmt.XML:
        return Response(xml_document(root_tag, value), status_code=status_code,
                        media_type="text/xml; charset=utf-8")
    return JSONResponse(value, status_code=status_code,
                        media_type="application/json; charset=utf-8")


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the city's offset, e.g. 2025-03-01T09:30:00+08:00."""
    if value is None:
        return None
    return value.astimezone(get_settings().tz).isoformat(timespec="seconds")


# --- errors ------------------------------------------------------------------------------------

def open311_status(status_code: int) -> int:
    """404 unknown, 403 bad key, 413 too large, 400 for everything else the client did wrong."""
    if status_code in (404, 403, 413):
        return status_code
    if status_code == 401:
        return 403
    return 400


def error_response(request: Request, status_code: int, description: str) -> Response:
    fmt = request.path_params.get("fmt")
    status = open311_status(status_code)
    return output(Fmt.XML if fmt == Fmt.XML else Fmt.JSON, "errors",
                  [{"code": status, "description": description}], status)


def _validation_description(errors: Sequence[Any]) -> str:
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        parts.append(f"{'.'.join(loc) or '参数'}: {err.get('msg')}")
    return "参数有误 (invalid parameter) — " + "; ".join(parts)


class Open311Route(APIRoute):
    """A route whose every error, FastAPI's validation included, comes out in the Open311 shape."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def open311_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return error_response(request, 400, _validation_description(exc.errors()))
            except pydantic.ValidationError as exc:
                return error_response(request, 400, _validation_description(exc.errors()))
            except AppError as exc:
                return error_response(request, exc.status_code, exc.message)
            except StarletteHTTPException as exc:
                detail = exc.detail if isinstance(exc.detail, str) else "请求错误"
                return error_response(request, exc.status_code, detail)

        return open311_handler


class Open311Error(pydantic.BaseModel):
    """One GeoReport error (a list of them is the body of every Open311 error)."""

    code: int
    description: str


OPEN311_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": list[Open311Error], "description": description}
    for status, description in ((400, "参数有误 (bad request)"), (403, "api_key 缺失或无效 (forbidden)"),
                                (404, "对象不存在 (not found)"), (413, "提交的内容过大 (too large)"))
}
router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route,
                   responses=OPEN311_ERRORS)
admin_router = APIRouter(tags=["pages"], include_in_schema=False)


# --- services ----------------------------------------------------------------------------------

def active_services(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(
        Category.is_active.is_(True), Category.level == "minor")
        .order_by(Category.sort_order, Category.code)))


def service_by_code(session: Session, code: str) -> Category:
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None or not category.is_active or category.level != "minor":
        raise NotFound(f"service_code not found: {code}（未知的服务类别）", code="unknown_service")
    return category


def service_out(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.filing_condition,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent else None,
    }


def service_attributes(category: Category) -> list[dict[str, Any]]:
    """The service definition's attributes from Category.attributes, always schema-valid."""
    return definitions_of(category.attributes)


# --- requests: presentation --------------------------------------------------------------------

def listed_cases() -> Select[tuple[Case]]:
    """The cases Open311 publishes: classified (a service_code) and not confidential."""
    return (select(Case).join(Category, Case.category_id == Category.id)
            .where(Case.case_no.is_not(None),
                   Case.source.not_in([str(s) for s in UNLISTED_SOURCES])))


def is_closed(case: Case) -> bool:
    return Status(case.status) in CLOSED_STATUSES


@dataclass
class Presenter:
    """Turns cases into GeoReport requests, caching the few lookups a page of them shares."""

    session: Session
    request: Request
    photos: dict[int, int] = field(default_factory=dict)

    def load_photos(self, cases: Iterable[Case]) -> None:
        ids = (c.id for c in cases)
        self.photos.update(files.first_link_ids(self.session, service.SUBJECT, ids, "photo"))

    def _get(self, model: type, key: int | None) -> Any:
        return self.session.get(model, key) if key else None

    def address(self, case: Case) -> str | None:
        if case.address:
            return case.address
        areas = (self._get(Area, case.street_id), self._get(Area, case.community_id),
                 self._get(Area, case.grid_id))
        names = [a.name for a in areas if a is not None]
        return " ".join(names) or None

    def status_notes(self, case: Case) -> str:
        status = Status(case.status)
        if status == Status.MERGED:
            master = self._get(Case, case.merged_into_id)
            if master is not None and master.case_no:
                return f"{PUBLIC_LABELS[status]}（{master.case_no}）"
        if is_closed(case) and case.result_note:
            return case.result_note
        return PUBLIC_LABELS[status]

    def media_url(self, case: Case) -> str | None:
        photo_id = self.photos.get(case.id)
        if photo_id is None or not case.case_no:
            return None
        return str(self.request.url_for("open311_media", service_request_id=case.case_no,
                                        photo_id=str(photo_id)))

    def one(self, case: Case) -> dict[str, Any]:
        category: Category = self._get(Category, case.category_id)
        dept: Department | None = self._get(Department, case.lead_department_id)
        grid: Area | None = self._get(Area, case.grid_id)
        closed = is_closed(case)
        return {
            "service_request_id": case.case_no,
            "status": "closed" if closed else "open",
            "status_notes": self.status_notes(case),
            "service_name": category.name,
            "service_code": category.code,
            "description": case.description[:DESCRIPTION_MAX],
            "agency_responsible": dept.name if dept else None,
            "service_notice": service_notice(category),
            "requested_datetime": iso(case.reported_at),
            "updated_datetime": iso(case.updated_at),
            "expected_datetime": None if closed else iso(case.expected_at),
            "address": self.address(case),
            "address_id": grid.code if grid else None,
            "zipcode": None,
            "lat": case.lat,
            "long": case.lon,
            "media_url": self.media_url(case),
        }

    def many(self, cases: Sequence[Case]) -> list[dict[str, Any]]:
        self.load_photos(cases)
        return [self.one(c) for c in cases]


def service_notice(category: Category) -> str:
    """What the city will do: the class's handling time limit (处置时限) in plain words."""
    from smartgov.workclock.service import TimeLimit

    try:
        label = TimeLimit.parse(category.handle_limit).label
    except (ValueError, AppError):
        return f"「{category.name}」将按规定时限处置"
    return f"「{category.name}」受理后派遣承办部门处置，处置时限{label}"


# --- requests: queries -------------------------------------------------------------------------

def _comma_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def date_range(start_date: str | None, end_date: str | None) -> tuple[datetime, datetime]:
    """The requested window; at most 90 days, the last 90 days when none is given."""
    end = parse_moment(end_date, end_of_day=True) if end_date else None
    start = parse_moment(start_date) if start_date else None
    if start is None and end is None:
        end = now()
    if start is None:
        assert end is not None
        start = end - MAX_RANGE
    if end is None:
        end = start + MAX_RANGE
    if end < start:
        raise ValidationFailed("end_date 早于 start_date", code="bad_range")
    if end - start > MAX_RANGE + timedelta(seconds=1):
        raise ValidationFailed("start_date 与 end_date 之间不能超过 90 天", code="range_too_long")
    return start, end


def status_filter(status: str | None) -> set[str]:
    wanted = set(_comma_list(status))
    unknown = wanted - {"open", "closed"}
    if unknown:
        raise ValidationFailed(f"status 只能是 open 或 closed: {', '.join(sorted(unknown))}",
                               code="bad_status")
    return wanted


def query_requests(session: Session, *, service_code: str | None, start_date: str | None,
                   end_date: str | None, status: str | None, page: int,
                   page_size: int) -> list[Case]:
    start, end = date_range(start_date, end_date)
    query = listed_cases().where(Case.reported_at >= start, Case.reported_at <= end)
    codes = _comma_list(service_code)
    if codes:
        query = query.where(Category.code.in_(codes))
    wanted = status_filter(status)
    closed = [str(s) for s in CLOSED_STATUSES]
    if wanted == {"open"}:
        query = query.where(Case.status.not_in(closed))
    elif wanted == {"closed"}:
        query = query.where(Case.status.in_(closed))
    query = query.order_by(Case.reported_at.desc(), Case.id.desc())
    return list(session.scalars(query.offset((page - 1) * page_size).limit(page_size)))


def requests_by_ids(session: Session, ids: list[str]) -> list[Case]:
    if len(ids) > MAX_PAGE_SIZE:
        raise ValidationFailed(f"service_request_id 一次最多 {MAX_PAGE_SIZE} 个",
                               code="too_many_ids")
    rows = {c.case_no: c for c in session.scalars(listed_cases().where(Case.case_no.in_(ids)))}
    return [rows[i] for i in dict.fromkeys(ids) if i in rows]


def listed_case(session: Session, service_request_id: str) -> Case:
    case = session.scalar(listed_cases().where(Case.case_no == service_request_id))
    if case is None:
        raise NotFound(f"service_request_id not found: {service_request_id}（诉求不存在）",
                       code="unknown_request")
    return case


# --- requests: intake --------------------------------------------------------------------------

@dataclass
class PostedRequest:
    """The form fields of POST /requests (GeoReport v2), as sent."""

    api_key: str | None
    service_code: str
    lat: float | None
    long: float | None
    address_string: str | None
    address_id: str | None
    description: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    account_id: str | None
    device_id: str | None
    attributes: dict[str, list[str]]


def _clean(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def check_location(posted: PostedRequest) -> None:
    """Exactly one of lat+long, address_string, address_id."""
    if (posted.lat is None) != (posted.long is None):
        raise ValidationFailed("lat 与 long 必须同时提供", code="bad_location")
    given = [posted.lat is not None, bool(posted.address_string), bool(posted.address_id)]
    if sum(given) != 1:
        raise ValidationFailed(
            "位置须且只能提供一种：lat+long、address_string 或 address_id", code="bad_location")


def attribute_lines(category: Category, submitted: dict[str, list[str]]) -> list[str]:
    """Check attribute[code] answers against the service definition; lines to keep with the case."""
    return answer_lines(checked_answers(category.attributes, submitted))


def reporter_name(first: str | None, last: str | None) -> str | None:
    if not (first or last):
        return None
    if _CJK.search(f"{first or ''}{last or ''}"):
        return f"{last or ''}{first or ''}"  # 中文姓名：姓在前
    return " ".join(p for p in (first, last) if p)


def full_description(category: Category, posted: PostedRequest) -> str:
    text = _clean(posted.description) or f"{category.name}（Open311 上报）"
    lines = attribute_lines(category, posted.attributes)
    if lines:
        text += "\n\n附加信息：\n" + "\n".join(lines)
    if len(text) > DESCRIPTION_MAX:
        raise ValidationFailed(f"description 不能超过 {DESCRIPTION_MAX} 字",
                               code="description_too_long")
    return text


def intake_of(category: Category, posted: PostedRequest) -> CaseIntake:
    ref = posted.account_id or posted.device_id
    return CaseIntake(
        source=Source.OPEN311, category_code=category.code,
        description=full_description(category, posted),
        lon=posted.long, lat=posted.lat, address=posted.address_string,
        grid_code=posted.address_id,
        reporter_name=reporter_name(_clean(posted.first_name), _clean(posted.last_name)),
        reporter_phone=_clean(posted.phone),
        source_ref=ref[:128] if ref else None,
        attributes=posted.attributes,
    )


def submit(session: Session, posted: PostedRequest, *, addr: str | None) -> Case:
    """Check key, service and location, then hand the report to the one intake function."""
    client = client_for_key(session, posted.api_key)
    if client is None:
        raise Forbidden("api_key 缺失或无效 (api_key missing or invalid)", code="bad_api_key")
    category = service_by_code(session, posted.service_code)
    check_location(posted)
    return service.intake(session, intake_of(category, posted), principal=ANONYMOUS,
                          client_addr=addr, open311_client_id=client.id)


async def posted_attributes(request: Request) -> dict[str, list[str]]:
    """attribute[code]=value fields (repeated or attribute[code][] for multivaluelist)."""
    return answers_in_form(await request.form())  # cached by Starlette: the form Form() fields read


# --- endpoints ---------------------------------------------------------------------------------

@router.get("/discovery.{fmt}", summary="Service discovery (服务发现)")
def discovery(fmt: Fmt, request: Request) -> Response:
    base = str(request.base_url).rstrip("/") + router.prefix
    return output(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": CONTACT,
        "key_service": KEY_SERVICE,
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": base,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
        "extensions": [
            f"GET /requests: page (从 1 开始) 与 page_size "
            f"(默认 {DEFAULT_PAGE_SIZE}，最大 {MAX_PAGE_SIZE})",
            "address_id = 单元网格编码 (unit grid code)",
        ],
    })


@router.get("/services.{fmt}", summary="Service list (可受理的诉求类别)")
def services(fmt: Fmt, jurisdiction_id: str | None = None,
             session: Session = Depends(get_session)) -> Response:
    return output(fmt, "services", [service_out(c) for c in active_services(session)])


@router.get("/services/{service_code}.{fmt}", summary="Service definition (类别附加属性)")
def service_definition(service_code: str, fmt: Fmt, jurisdiction_id: str | None = None,
                       session: Session = Depends(get_session)) -> Response:
    category = service_by_code(session, service_code)
    return output(fmt, "service_definition", {"service_code": category.code,
                                              "attributes": service_attributes(category)})


@router.post("/requests.{fmt}", summary="Create a service request (上报诉求)")
def create_request(
    fmt: Fmt, request: Request,
    service_code: str = Form(..., max_length=32),
    api_key: str | None = Form(None),
    lat: float | None = Form(None),
    long: float | None = Form(None),
    address_string: str | None = Form(None),
    address_id: str | None = Form(None, max_length=64),
    email: str | None = Form(None),
    device_id: str | None = Form(None),
    account_id: str | None = Form(None),
    first_name: str | None = Form(None),
    last_name: str | None = Form(None),
    phone: str | None = Form(None),
    description: str | None = Form(None, max_length=DESCRIPTION_MAX),
    media_url: str | None = Form(None),
    jurisdiction_id: str | None = Form(None),
    attributes: dict[str, list[str]] = Depends(posted_attributes),
    session: Session = Depends(get_session),
) -> Response:
    posted = PostedRequest(
        api_key=api_key or request.query_params.get("api_key"), service_code=service_code.strip(),
        lat=lat, long=long, address_string=_clean(address_string),
        address_id=_clean(address_id), description=description, first_name=first_name,
        last_name=last_name, phone=phone, account_id=_clean(account_id),
        device_id=_clean(device_id), attributes=attributes)
    case = service.settled(session, submit(session, posted, addr=client_addr(request)))
    category = session.get(Category, case.category_id)
    assert category is not None
    return output(fmt, "service_requests", [{
        "service_request_id": case.case_no,
        "service_notice": service_notice(category),
        "account_id": posted.account_id,
    }])


@router.get("/tokens/{token}.{fmt}", summary="Request id from a token (查询码)")
def token_lookup(token: str, fmt: Fmt, jurisdiction_id: str | None = None,
                 session: Session = Depends(get_session)) -> Response:
    case = service.case_by_tracking_code(session, token)
    if session.scalar(listed_cases().where(Case.id == case.id)) is None:
        raise NotFound("token not found（查询码不存在）", code="tracking_code_not_found")
    return output(fmt, "service_requests",
                  [{"service_request_id": case.case_no, "token": case.tracking_code}])


@router.get("/requests.{fmt}", summary="Search service requests (诉求列表)")
def list_requests(
    fmt: Fmt, request: Request,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    page: Page = 1,
    page_size: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
    jurisdiction_id: str | None = None,
    session: Session = Depends(get_session),
) -> Response:
    ids = _comma_list(service_request_id)
    if ids:
        cases = requests_by_ids(session, ids)
    else:
        cases = query_requests(session, service_code=service_code, start_date=start_date,
                               end_date=end_date, status=status, page=page, page_size=page_size)
    return output(fmt, "service_requests", Presenter(session, request).many(cases))


@router.get("/requests/{service_request_id}.{fmt}", summary="One service request (诉求详情)")
def get_request(service_request_id: str, fmt: Fmt, request: Request,
                jurisdiction_id: str | None = None,
                session: Session = Depends(get_session)) -> Response:
    case = listed_case(session, service_request_id)
    return output(fmt, "service_requests", Presenter(session, request).many([case]))


@router.get("/media/{service_request_id}/{photo_id}", name="open311_media",
            summary="The published photo of a request (media_url)")
def media(service_request_id: str, photo_id: Id,
          session: Session = Depends(get_session)) -> Response:
    """Only the photo a request publishes as media_url (its first report photo) is served."""
    case = listed_case(session, service_request_id)
    first = files.first_link_ids(session, service.SUBJECT, [case.id], "photo").get(case.id)
    att = case_photo(session, case.id, photo_id) if first == photo_id else None
    if att is None or not files.path_of(att).is_file():
        raise NotFound("media not found（照片不存在）", code="media_not_found")
    return FileResponse(files.path_of(att), media_type=att.content_type)


# --- API key administration (Open311 接入管理) ----------------------------------------------------

ADMIN = menu_entry("/admin/open311", "开放接口", 80, Role.SYSTEM_ADMIN)


def _clients_page(request: Request, session: Session, **extra: Any) -> Response:
    clients = session.scalars(select(Open311Client).order_by(Open311Client.id)).all()
    counts = dict(session.execute(
        select(Case.open311_client_id, func.count()).where(Case.open311_client_id.is_not(None))
        .group_by(Case.open311_client_id)).all())
    return render(request, "cases/open311_keys.html",
                  {"clients": clients, "counts": counts, **extra},
                  status_code=400 if extra.get("error") else 200)


@admin_router.get("/admin/open311", response_class=HTMLResponse)
def keys_page(request: Request, session: Session = Depends(get_session),
              principal: Principal = Depends(ADMIN)) -> Response:
    """Open311 接入管理: client applications and their keys (only a prefix is kept visible)."""
    return _clients_page(request, session)


@admin_router.post("/admin/open311", response_class=HTMLResponse)
def create_key(request: Request, name: str = Form(""), session: Session = Depends(get_session),
               principal: Principal = Depends(ADMIN)) -> Response:
    """Issue a key; it is shown once on the page that answers this form and never again."""
    name = name.strip()
    if not name or len(name) > 100:
        return _clients_page(request, session, error="请填写接入应用名称（不超过 100 字）")
    client, key = create_client(session, name)
    audit.record(session, action="open311.key_create", actor=principal.user,
                 object_type="open311_client", object_id=client.id,
                 client_addr=client_addr(request), detail={"name": name})
    session.commit()
    response = _clients_page(request, session, new_key=key, new_client=client)
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_router.post("/admin/open311/{client_id}/revoke")
def revoke_key(client_id: Id, request: Request, session: Session = Depends(get_session),
               principal: Principal = Depends(ADMIN)) -> Response:
    """吊销: the key stops working at once; requests already sent stay attributed to the client."""
    client = session.get(Open311Client, client_id)
    if client is None:
        raise NotFound("接入应用不存在")
    if client.revoked_at is None:
        client.revoked_at = now()
        audit.record(session, action="open311.key_revoke", actor=principal.user,
                     object_type="open311_client", object_id=client.id,
                     client_addr=client_addr(request), detail={"name": client.name})
        session.commit()
    return RedirectResponse("/admin/open311", status_code=303)


@router.api_route("/{path:path}", methods=["GET", "POST"], include_in_schema=False)
def unknown_endpoint(path: str) -> Response:
    """Anything else under /open311/v2 gets a GeoReport error, not the app's own error shape."""
    raise NotFound(f"unknown endpoint: /open311/v2/{path}（无此接口；见 discovery.json）",
                   code="unknown_endpoint")
