"""数据共享交换: catalogue, requests and field-level grants, grant-scoped reads, the exchange log.

Deny by default: a consumer department reads a resource only through unexpired grants, one per
field; fields outside the grant are never returned; personal fields are masked unless the grant
names them unmasked (明文). Every read, refused or not, is one entry of the hash-chained log.

Other domains (一网通办 prefill, 材料复用) call ``read_person`` / ``read_entity`` /
``read_resource`` with their own department: the same grants, masking and log apply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.masking import mask, mask_id_number
from smartgov.auth.principal import Principal
from smartgov.auth.tokens import hash_token, new_secret
from smartgov.db import now
from smartgov.errors import AppError, Forbidden, NotFound, ValidationFailed
from smartgov.exchange.models import ConsumerKey, DataItem, ExchangeRequest, Grant, LogEntry, Resource
from smartgov.exchange.workflow import (
    APPROVED,
    PENDING,
    REQUEST_FLOW,
    SHARE_TYPES,
    STATUS_LABELS,
    SUBJECT,
)
from smartgov.inbox import service as inbox
from smartgov.org.models import Department
from smartgov.registry import service as registry
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer
from smartgov.workclock.sweeper import lock_subject, mirror_level
from smartgov.workflow import engine, timeline

GENESIS = "0" * 64
LOG_LOCK_KEY = 0x5347_584C  # "SGXL": one writer of the log chain at a time on PostgreSQL
MAX_DURATION_DAYS = 1095
KEY_PREFIX = "sgx_"
SOURCES = ("registry.person", "registry.entity")

audit.register_labels(
    {
        "exchange.request": "提交共享申请",
        "exchange.approve": "同意共享",
        "exchange.refuse": "拒绝共享",
        "exchange.withdraw": "撤回共享申请",
        "exchange.read": "读取共享数据",
        "exchange.key_created": "创建接口密钥",
        "exchange.log_viewed": "查阅交换日志",
        "exchange.resource_saved": "登记共享资源",
        f"{SUBJECT}.approve": "同意共享",
        f"{SUBJECT}.refuse": "拒绝共享",
        f"{SUBJECT}.withdraw": "撤回共享申请",
    },
    fields={
        "resource": "资源",
        "fields": "字段",
        "records": "记录数",
        "channel": "渠道",
        "consumer": "申请部门",
        "share_type": "共享类型",
    },
    values={"channel": {"api": "接口", "page": "平台页面", "service": "平台业务"}, "share_type": SHARE_TYPES},
    objects={SUBJECT: "共享申请", "xch_resource": "共享资源", "xch_key": "接口密钥"},
)
inbox.register_kinds(
    {
        "exchange_request": "共享申请",
        "exchange_answer": "共享申请答复",
        "exchange_reminder": "共享申请催办",
        "exchange_overdue": "共享申请超期",
    }
)
inbox.register_subject(SUBJECT, lambda rid: f"/exchange/requests/{rid}")


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"


# ---------------------------------------------------------------- catalogue (目录)


@dataclass(frozen=True)
class ItemSpec:
    """A data item to register (信息项)."""

    name: str
    label: str
    data_type: str = "字符型"
    personal_kind: str | None = None


def save_resource(
    session: Session,
    *,
    code: str,
    name: str,
    classification: str,
    provider_department_id: int,
    summary: str,
    format: str,
    share_type: str,
    open_type: str,
    update_cycle: str,
    source: str,
    items: list[ItemSpec],
    share_conditions: str | None = None,
    view_filter: dict[str, Any] | None = None,
    published_on: Any = None,
    answer_limit: str = "5wd",
) -> Resource:
    """Register or update a resource of the catalogue (资源编目), with its data items."""
    if share_type not in SHARE_TYPES:
        raise ValidationFailed(f"共享类型应为：{'、'.join(SHARE_TYPES.values())}", code="bad_share_type")
    if share_type == "conditional" and not (share_conditions or "").strip():
        raise ValidationFailed("有条件共享的资源须写明共享条件", code="conditions_required")
    resource = session.scalars(select(Resource).where(Resource.code == code)).first()
    if resource is None:
        resource = Resource(code=code)
        session.add(resource)
    resource.name, resource.classification = name, classification
    resource.provider_department_id, resource.summary, resource.format = (
        provider_department_id,
        summary,
        format,
    )
    resource.share_type, resource.share_conditions, resource.open_type = (
        share_type,
        share_conditions,
        open_type,
    )
    resource.update_cycle, resource.source = update_cycle, source
    resource.view_filter = view_filter or {}
    resource.published_on = published_on or now().date()
    resource.answer_limit = answer_limit
    session.flush()
    existing = {item.name: item for item in resource.items}
    for spec in items:
        item = existing.pop(spec.name, None) or DataItem(resource_id=resource.id, name=spec.name)
        item.label, item.data_type, item.personal_kind = spec.label, spec.data_type, spec.personal_kind
        session.add(item)
    for stale in existing.values():
        session.delete(stale)
    session.flush()
    session.expire(resource, ["items"])
    return resource


def catalogue(
    session: Session,
    *,
    q: str | None = None,
    share_type: str | None = None,
    provider_department_id: int | None = None,
) -> list[Resource]:
    """Resources of the catalogue matching a search (目录检索): name, code, summary or item label."""
    query = select(Resource)
    if q and q.strip():
        term = q.strip()[:50]
        query = query.where(
            Resource.name.contains(term, autoescape=True)
            | Resource.code.contains(term, autoescape=True)
            | Resource.summary.contains(term, autoescape=True)
            | Resource.id.in_(
                select(DataItem.resource_id).where(DataItem.label.contains(term, autoescape=True))
            )
        )
    if share_type:
        query = query.where(Resource.share_type == share_type)
    if provider_department_id:
        query = query.where(Resource.provider_department_id == provider_department_id)
    return list(session.scalars(query.order_by(Resource.code)))


def get_resource(session: Session, resource_id: int) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("共享资源不存在 (resource not found)")
    return resource


def resource_by_code(session: Session, code: str) -> Resource:
    resource = session.scalars(select(Resource).where(Resource.code == code[:64])).first()
    if resource is None:
        raise NotFound("共享资源不存在 (resource not found)")
    return resource


def dcat_catalogue(session: Session, base_url: str) -> dict[str, Any]:
    """The catalogue as DCAT-AP JSON-LD (what CKAN's DCAT extension harvests)."""
    departments = {d.id: d for d in session.scalars(select(Department))}
    base = base_url.rstrip("/")
    datasets = []
    for r in catalogue(session):
        provider = departments.get(r.provider_department_id)
        datasets.append(
            {
                "@id": f"{base}/exchange/resources/{r.id}",
                "@type": "dcat:Dataset",
                "dct:identifier": r.code,
                "dct:title": r.name,
                "dct:description": r.summary,
                "dct:publisher": {
                    "@type": "foaf:Organization",
                    "foaf:name": provider.name if provider else "",
                },
                "dct:issued": {"@value": r.published_on.isoformat(), "@type": "xsd:date"},
                "dct:accrualPeriodicity": r.update_cycle,
                "dcat:theme": r.classification,
                "dcat:keyword": [item.label for item in r.items],
                "dct:accessRights": SHARE_TYPES[r.share_type],
                "dct:conformsTo": r.open_type,
                "dcat:distribution": [
                    {
                        "@type": "dcat:Distribution",
                        "dct:format": r.format,
                        "dcat:accessURL": {"@id": f"{base}/api/v1/exchange/resources/{r.code}/records"},
                        "dct:description": "；".join(
                            f"{i.label}（{i.data_type}{'，个人信息' if i.personal_kind else ''}）"
                            for i in r.items
                        ),
                    }
                ],
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{base}/exchange/catalogue.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": "政务信息资源目录",
        "dcat:dataset": datasets,
    }


# ---------------------------------------------------------------- requests (申请) and grants (授权)


class RequestTimers:
    """Timer policy of requests: the answer clock belongs to the provider department."""

    def timer_values(self, session: Session, subject: ExchangeRequest, stage: str, at: datetime) -> dict:
        return timers.timer_values(SUBJECT, subject.id, stage, subject.resource.answer_limit, at)

    def department_id(self, subject: ExchangeRequest, stage: str) -> int | None:
        return subject.resource.provider_department_id

    def mirror(self, subject: ExchangeRequest, timer: WorkTimer | None) -> None:
        subject.due_at = timer.due_at if timer is not None else None
        subject.warning_level = 0


engine.register_timer_policy(SUBJECT, RequestTimers())


def submit_request(
    session: Session,
    principal: Principal,
    *,
    resource_id: int,
    purpose: str,
    legal_basis: str,
    fields: list[str],
    duration_days: int,
    plain_fields: list[str] | None = None,
    at: datetime | None = None,
) -> ExchangeRequest:
    """A department asks for a resource (提交共享申请); 无条件 resources are granted at once; commits."""
    principal.require_login()
    if not principal.is_staff or principal.department_id is None:
        raise Forbidden("只有部门工作人员可以申请共享数据")
    at = at or now()
    resource = get_resource(session, resource_id)
    if resource.share_type == "none":
        raise ValidationFailed("该资源不予共享", code="not_shareable")
    if resource.provider_department_id == principal.department_id:
        raise ValidationFailed("本部门的资源无需申请", code="own_resource")
    items = {item.name: item for item in resource.items}
    wanted = list(dict.fromkeys(f for f in fields if f))
    unknown = [f for f in wanted if f not in items]
    if not wanted or unknown:
        raise ValidationFailed(
            "请选择资源中的信息项" + (f"（未知：{'、'.join(unknown)}）" if unknown else ""), code="bad_fields"
        )
    plain = list(dict.fromkeys(plain_fields or []))
    if any(f not in wanted or not items[f].personal_kind for f in plain):
        raise ValidationFailed("只能对所申请的个人信息项申请明文", code="bad_plain_fields")
    if not purpose.strip() or not legal_basis.strip():
        raise ValidationFailed("请填写用途和依据", code="purpose_required")
    if not 1 <= duration_days <= MAX_DURATION_DAYS:
        raise ValidationFailed(f"使用期限应为 1–{MAX_DURATION_DAYS} 天", code="bad_duration")
    req = ExchangeRequest(
        resource_id=resource.id,
        consumer_department_id=principal.department_id,
        requester_id=principal.user_id,
        purpose=purpose.strip()[:2000],
        legal_basis=legal_basis.strip()[:2000],
        fields=wanted,
        plain_fields=plain,
        duration_days=duration_days,
        status=PENDING,
        created_at=at,
        updated_at=at,
    )
    session.add(req)
    session.flush()
    timeline.record(session, SUBJECT, req.id, principal, "submit", None, PENDING, at=at)
    audit.record(
        session,
        principal=principal,
        action="exchange.request",
        object_type=SUBJECT,
        object_id=req.id,
        detail={"resource": resource.code, "fields": wanted, "share_type": resource.share_type},
    )
    consumer = _department_name(session, principal.department_id)
    if resource.share_type == "unconditional":
        req.status = APPROVED
        req.answered_at = at
        _grant(session, req, at)
        timeline.record(session, SUBJECT, req.id, None, "auto_grant", PENDING, APPROVED, at=at)
        inbox.notify(
            session,
            kind="exchange_request",
            department_id=resource.provider_department_id,
            subject_type=SUBJECT,
            subject_id=req.id,
            message=f"{consumer}已获无条件共享资源「{resource.name}」",
        )
    else:
        engine.move(session, REQUEST_FLOW, req, PENDING, at, actor_id=principal.user_id)
        inbox.notify(
            session,
            kind="exchange_request",
            department_id=resource.provider_department_id,
            subject_type=SUBJECT,
            subject_id=req.id,
            message=f"{consumer}申请共享「{resource.name}」，请在 {req.due_at:%Y-%m-%d %H:%M} 前答复",
        )
    session.commit()
    return req


def _grant(session: Session, req: ExchangeRequest, at: datetime) -> None:
    expires = at + timedelta(days=req.duration_days)
    for name in req.fields:
        session.add(
            Grant(
                request_id=req.id,
                resource_id=req.resource_id,
                consumer_department_id=req.consumer_department_id,
                field=name,
                plain=name in (req.plain_fields or []),
                granted_at=at,
                expires_at=expires,
            )
        )


def _approve(session: Session, req: ExchangeRequest, data: Any, principal: Principal, at: datetime) -> None:
    req.answered_at, req.answered_by_id = at, principal.user_id
    req.reason = (data or {}).get("note") or None
    _grant(session, req, at)
    inbox.notify(
        session,
        kind="exchange_answer",
        department_id=req.consumer_department_id,
        subject_type=SUBJECT,
        subject_id=req.id,
        message=f"共享申请「{req.resource.name}」已同意",
    )


def _refuse(session: Session, req: ExchangeRequest, data: Any, principal: Principal, at: datetime) -> None:
    req.answered_at, req.answered_by_id = at, principal.user_id
    req.reason = ((data or {}).get("note") or "").strip()[:2000]
    inbox.notify(
        session,
        kind="exchange_answer",
        department_id=req.consumer_department_id,
        subject_type=SUBJECT,
        subject_id=req.id,
        message=f"共享申请「{req.resource.name}」未获同意：{req.reason}",
    )


def _withdraw(session: Session, req: ExchangeRequest, data: Any, principal: Principal, at: datetime) -> None:
    req.answered_at = at


REQUEST_FLOW.bind_effects({"approve": _approve, "refuse": _refuse, "withdraw": _withdraw})


def act(
    session: Session,
    principal: Principal,
    request_id: int,
    name: str,
    *,
    note: str | None = None,
    version: int | None = None,
    client_addr: str | None = None,
    at: datetime | None = None,
) -> ExchangeRequest:
    """Answer or withdraw a request (同意 / 拒绝并说明理由 / 撤回) through the workflow engine; commits."""
    req = get_request(session, principal, request_id)
    return engine.act(
        session,
        REQUEST_FLOW,
        req,
        name,
        {"note": note},
        principal=principal,
        version=version,
        note=note,
        client_addr=client_addr,
        at=at,
    )


def get_request(session: Session, principal: Principal, request_id: int) -> ExchangeRequest:
    """A request seen by its consumer or provider department (or the supervisors); 404 otherwise."""
    req = session.get(ExchangeRequest, request_id)
    if req is None or not _may_see(principal, req):
        raise NotFound("共享申请不存在 (request not found)")
    return req


def _may_see(principal: Principal, req: ExchangeRequest) -> bool:
    if not principal.is_staff:
        return False
    if principal.has_any("supervisor", "leader", "audit_admin", "system_admin"):
        return True
    return principal.department_id in (req.consumer_department_id, req.resource.provider_department_id)


def requests_for(session: Session, principal: Principal, *, role: str = "all") -> list[ExchangeRequest]:
    """Requests of the principal's department: ``mine`` (asked), ``todo`` (to answer), ``overdue``, all."""
    principal.require_login()
    query = select(ExchangeRequest).join(Resource, Resource.id == ExchangeRequest.resource_id)
    dept = principal.department_id
    if role == "mine":
        query = query.where(ExchangeRequest.consumer_department_id == dept)
    elif role == "todo":
        query = query.where(Resource.provider_department_id == dept, ExchangeRequest.status == PENDING)
    elif role == "overdue":
        if not principal.has_any("supervisor", "leader"):
            query = query.where(Resource.provider_department_id == dept)
        query = query.where(
            ExchangeRequest.status == PENDING, ExchangeRequest.warning_level >= timers.overdue_level()
        )
    elif not principal.has_any("supervisor", "leader", "audit_admin", "system_admin"):
        query = query.where(
            (ExchangeRequest.consumer_department_id == dept) | (Resource.provider_department_id == dept)
        )
    return list(session.scalars(query.order_by(ExchangeRequest.id.desc()).limit(500)))


def active_grants(
    session: Session,
    department_id: int,
    resource_id: int,
    at: datetime | None = None,
) -> dict[str, bool]:
    """Fields a department may read of a resource now → whether unmasked (deny by default)."""
    at = at or now()
    out: dict[str, bool] = {}
    for name, plain in session.execute(
        select(Grant.field, Grant.plain).where(
            Grant.consumer_department_id == department_id,
            Grant.resource_id == resource_id,
            Grant.revoked_at.is_(None),
            Grant.expires_at > at,
        )
    ):
        out[name] = out.get(name, False) or plain
    return out


def grants_of(session: Session, department_id: int) -> list[Grant]:
    """Every unexpired grant held by a department (本部门已获授权)."""
    return list(
        session.scalars(
            select(Grant)
            .where(
                Grant.consumer_department_id == department_id,
                Grant.revoked_at.is_(None),
                Grant.expires_at > now(),
            )
            .order_by(Grant.resource_id, Grant.id)
        )
    )


# ---------------------------------------------------------------- sweep hook (催办, 超期)


class RequestSweep:
    """What the time-limit sweep does for requests: remind the provider, then flag the overdue."""

    def begin(self, session: Session) -> None:
        """Nothing cached between sweeps."""

    def lock(self, session: Session, subject_id: int) -> None:
        lock_subject(session, ExchangeRequest.__table__, subject_id)

    def raised(self, session: Session, timer: WorkTimer, level: int, at: datetime) -> None:
        mirror_level(session, ExchangeRequest.__table__, timer.subject_id, level)
        req = session.get(ExchangeRequest, timer.subject_id)
        if req is None:
            return
        overdue = level >= timers.overdue_level()
        name = req.resource.name
        if overdue:
            message = f"共享申请「{name}」已超过答复时限（{timer.due_at:%Y-%m-%d %H:%M}），已列入督办"
            for dept in {req.resource.provider_department_id, req.consumer_department_id}:
                inbox.notify(
                    session,
                    kind="exchange_overdue",
                    department_id=dept,
                    subject_type=SUBJECT,
                    subject_id=req.id,
                    message=message,
                )
        else:
            inbox.notify(
                session,
                kind="exchange_reminder",
                department_id=req.resource.provider_department_id,
                subject_type=SUBJECT,
                subject_id=req.id,
                message=f"催办：共享申请「{name}」请在 {timer.due_at:%Y-%m-%d %H:%M} 前答复",
            )


def _register_sweep() -> None:
    from smartgov.workclock import sweeper

    sweeper.register(SUBJECT, RequestSweep())


_register_sweep()


# ---------------------------------------------------------------- the exchange log (交换日志)


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    consumer_department_id: int | None,
    actor_name: str,
    channel: str,
    resource_code: str,
    record_keys: str,
    fields: str,
    result: str,
) -> str:
    """SHA-256 over the previous entry's hash and this entry's content (哈希链)."""
    body = json.dumps(
        [
            prev_hash,
            seq,
            at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"),
            consumer_department_id,
            actor_name,
            channel,
            resource_code,
            record_keys,
            fields,
            result,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append_log(
    session: Session,
    *,
    consumer_department_id: int | None,
    actor_name: str,
    channel: str,
    resource_code: str,
    record_keys: list[str],
    fields: list[str],
    result: str,
    at: datetime | None = None,
) -> LogEntry:
    """Append one entry to the chain (the caller commits); one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOG_LOCK_KEY})
    last = session.execute(select(LogEntry.seq, LogEntry.hash).order_by(LogEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = at or now()
    values = {
        "seq": seq,
        "at": at,
        "consumer_department_id": consumer_department_id,
        "actor_name": actor_name[:100],
        "channel": channel,
        "resource_code": resource_code[:64],
        "record_keys": ",".join(record_keys)[:20000],
        "fields": ",".join(fields),
        "result": result,
    }
    entry = LogEntry(**values, prev_hash=prev, hash=entry_hash(prev, **values))
    session.add(entry)
    session.flush()
    return entry


@dataclass
class ChainCheck:
    """The result of checking the log chain (日志校验)."""

    ok: bool
    checked: int
    broken_at: int | None = None  # seq of the first entry that does not fit
    reason: str = ""


def verify_log(session: Session, *, batch: int = 5000) -> ChainCheck:
    """Recompute every entry's hash in order; the first changed, inserted or removed entry breaks it."""
    prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(LogEntry).where(LogEntry.seq > last_seq).order_by(LogEntry.seq).limit(batch)
        ).all()
        if not rows:
            return ChainCheck(ok=True, checked=checked)
        for e in rows:
            if e.seq != expected_seq:
                return ChainCheck(False, checked, e.seq, f"序号不连续：应为 {expected_seq}")
            if e.prev_hash != prev:
                return ChainCheck(False, checked, e.seq, "前序哈希不符（前一条被修改或删除）")
            again = entry_hash(
                prev,
                seq=e.seq,
                at=e.at,
                consumer_department_id=e.consumer_department_id,
                actor_name=e.actor_name,
                channel=e.channel,
                resource_code=e.resource_code,
                record_keys=e.record_keys,
                fields=e.fields,
                result=e.result,
            )
            if again != e.hash:
                return ChainCheck(False, checked, e.seq, "内容与哈希不符（该条被修改）")
            prev, expected_seq, last_seq = e.hash, e.seq + 1, e.seq
            checked += 1
        session.expunge_all()


def search_log(
    session: Session,
    principal: Principal,
    *,
    resource_code: str = "",
    department_id: int | None = None,
    record_key: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[LogLine], int]:
    """The exchange log for the audit administrator (审计管理员) or a department's own entries; audited."""
    principal.require_login()
    conds = []
    if not principal.has_any("audit_admin"):
        if not principal.is_staff or principal.department_id is None:
            raise Forbidden("无权查阅交换日志")
        conds.append(LogEntry.consumer_department_id == principal.department_id)
    if resource_code:
        conds.append(LogEntry.resource_code == resource_code.strip()[:64])
    if department_id:
        conds.append(LogEntry.consumer_department_id == department_id)
    auditor = principal.has_any("audit_admin")
    if record_key and auditor:  # by person: the audit administrator's question only
        conds.append(LogEntry.record_keys.contains(record_key.strip()[:32], autoescape=True))
    total = session.scalar(select(func.count()).select_from(LogEntry).where(*conds)) or 0
    rows = session.scalars(
        select(LogEntry)
        .where(*conds)
        .order_by(LogEntry.seq.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    audit.record(
        session,
        principal=principal,
        action="exchange.log_viewed",
        object_type="xch_log",
        detail={"resource": resource_code, "page": page, "total": total},
    )
    session.commit()
    return [_log_line(row, reveal_keys=auditor) for row in rows], total


@dataclass(frozen=True)
class LogLine:
    """One exchange-log entry as shown: the records' keys (ID numbers …) masked unless the reader
    is the audit administrator, so the log never gives back what a masked grant withheld."""

    seq: int
    at: datetime
    consumer_department_id: int | None
    actor_name: str
    channel: str
    resource_code: str
    record_keys: str
    fields: str
    result: str
    hash: str


def _log_line(entry: LogEntry, *, reveal_keys: bool) -> LogLine:
    keys = entry.record_keys if reveal_keys else ",".join(
        mask_id_number(k) for k in entry.record_keys.split(",") if k)
    return LogLine(entry.seq, entry.at, entry.consumer_department_id, entry.actor_name, entry.channel,
                   entry.resource_code, keys, entry.fields, entry.result, entry.hash)


# ---------------------------------------------------------------- reads through grants (共享读取)


def create_key(session: Session, principal: Principal, name: str, *, per_minute: int = 60) -> str:
    """A new API key for the principal's department (接口密钥); returns the secret once; commits."""
    principal.require_login()
    if not principal.is_staff or principal.department_id is None:
        raise Forbidden("只有部门工作人员可以创建接口密钥")
    raw = KEY_PREFIX + new_secret(24)
    key = ConsumerKey(
        department_id=principal.department_id,
        name=name.strip()[:100] or "接口密钥",
        key_hash=hash_token(raw),
        prefix=raw[:12],
        per_minute=max(1, min(per_minute, 6000)),
        created_at=now(),
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        principal=principal,
        action="exchange.key_created",
        object_type="xch_key",
        object_id=key.id,
        detail={"name": key.name},
    )
    session.commit()
    return raw


def key_department(session: Session, raw: str | None) -> ConsumerKey:
    """The consumer key of a raw secret (401 when unknown or revoked)."""
    from smartgov.errors import NotAuthenticated

    if not raw:
        raise NotAuthenticated("缺少接口密钥 (X-Exchange-Key)")
    key = session.scalars(select(ConsumerKey).where(ConsumerKey.key_hash == hash_token(raw[:200]))).first()
    if key is None or key.revoked_at is not None:
        raise NotAuthenticated("接口密钥无效或已吊销")
    return key


@dataclass(frozen=True)
class Reader:
    """Who reads: the consumer department, a name for the log, the channel and a per-minute limit."""

    department_id: int
    actor_name: str
    channel: str = "page"  # api, page, service
    per_minute: int | None = None
    principal: Principal | None = None


def reader_for(principal: Principal, channel: str = "page") -> Reader:
    """The reader of a logged-in staff member: their department."""
    principal.require_login()
    if not principal.is_staff or principal.department_id is None:
        raise Forbidden("只有部门工作人员可以读取共享数据")
    return Reader(principal.department_id, principal.name, channel, principal=principal)


def _refuse_read(
    session: Session, reader: Reader, resource_code: str, keys: list[str], result: str, error: AppError
) -> AppError:
    session.rollback()
    append_log(
        session,
        consumer_department_id=reader.department_id,
        actor_name=reader.actor_name,
        channel=reader.channel,
        resource_code=resource_code,
        record_keys=keys,
        fields=[],
        result=result,
    )
    session.commit()
    return error


def _check_rate(session: Session, reader: Reader, at: datetime) -> bool:
    if not reader.per_minute:
        return True
    used = (
        session.scalar(
            select(func.count())
            .select_from(LogEntry)
            .where(
                LogEntry.consumer_department_id == reader.department_id,
                LogEntry.channel == reader.channel,
                LogEntry.at > at - timedelta(minutes=1),
            )
        )
        or 0
    )
    return used < reader.per_minute


def read_resource(
    session: Session,
    reader: Reader,
    resource_code: str,
    *,
    key: str | None = None,
    offset: int = 0,
    limit: int = 50,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Records of a resource as the reader's grants allow (授权范围内读取), logged; commits.

    ``key`` picks one record (公民身份号码 / 统一社会信用代码); without it, a page of the view."""
    at = at or now()
    keys = [key.strip().upper()[:32]] if key else []
    resource = resource_by_code(session, resource_code)
    if not _check_rate(session, reader, at):
        raise _refuse_read(
            session,
            reader,
            resource.code,
            keys,
            "rate_limited",
            RateLimited("调用过于频繁，请稍后再试 (rate limit)"),
        )
    granted = active_grants(session, reader.department_id, resource.id, at)
    if resource.provider_department_id == reader.department_id:
        # a provider reads its own resource: every field, in clear for its systems (key) and for
        # the people whose role needs personal data, masked for everyone else
        clear = reader.principal is None or reader.principal.sees_personal_data
        granted = {item.name: clear for item in resource.items}
    if (
        not granted
        or resource.share_type == "none"
        and resource.provider_department_id != reader.department_id
    ):
        raise _refuse_read(
            session,
            reader,
            resource.code,
            keys,
            "denied",
            Forbidden("本部门未获该资源的共享授权 (no grant)", code="no_grant"),
        )
    records, total = _fetch(session, resource, key, offset, max(1, min(limit, 200)))
    items = [i for i in resource.items if i.name in granted]
    shown: list[dict[str, Any]] = []
    for record in records:
        row: dict[str, Any] = {}
        for item in items:
            value = record.get(item.name)
            if item.personal_kind and not granted[item.name] and isinstance(value, str):
                value = mask(value, item.personal_kind)
            row[item.name] = value
        shown.append(row)
    record_keys = [str(r.get(_key_field(resource))) for r in records]
    result = "ok" if records or not key else "not_found"
    append_log(
        session,
        consumer_department_id=reader.department_id,
        actor_name=reader.actor_name,
        channel=reader.channel,
        resource_code=resource.code,
        record_keys=record_keys,
        fields=[i.name for i in items],
        result=result,
        at=at,
    )
    plain = [i.personal_kind for i in items if i.personal_kind and granted[i.name]]
    if reader.principal is not None or plain:
        audit.record(
            session,
            principal=reader.principal,
            actor_name=reader.actor_name,
            action="exchange.read",
            object_type="xch_resource",
            object_id=resource.id,
            detail={
                "resource": resource.code,
                "records": len(records),
                "channel": reader.channel,
                "kinds": sorted(set(plain)),
            },
        )
    session.commit()
    return {
        "resource": resource.code,
        "name": resource.name,
        "total": total,
        "fields": [
            {"name": i.name, "label": i.label, "masked": bool(i.personal_kind and not granted[i.name])}
            for i in items
        ],
        "records": shown,
    }


def _key_field(resource: Resource) -> str:
    return "credit_code" if resource.source == "registry.entity" else "id_number"


def _fetch(
    session: Session,
    resource: Resource,
    key: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    if resource.source == "registry.person":
        tag = (resource.view_filter or {}).get("tag")
        if key:
            record = registry.lookup_person(session, key)
            if record is None or (tag and tag not in record["tags"]):
                return [], 0
            return [record], 1
        if tag:
            return registry.persons_with_tag(session, tag, offset=offset, limit=limit)
        return registry.persons_page(session, offset=offset, limit=limit)
    if resource.source == "registry.entity":
        if key:
            record = registry.lookup_entity(session, key)
            return ([record], 1) if record else ([], 0)
        return registry.entities_page(session, offset=offset, limit=limit)
    raise ValidationFailed("该资源没有可读取的数据 (no readable source)", code="no_source")


def read_person(
    session: Session, reader: Reader, id_number: str, *, resource_code: str = "RK-0001"
) -> dict[str, Any] | None:
    """One person's granted fields by 公民身份号码 (prefill, 材料复用), or None; logged; commits."""
    data = read_resource(session, reader, resource_code, key=id_number)
    return data["records"][0] if data["records"] else None


def read_entity(
    session: Session, reader: Reader, credit_code: str, *, resource_code: str = "FR-0001"
) -> dict[str, Any] | None:
    """One legal entity's granted fields by 统一社会信用代码, or None; logged; commits."""
    data = read_resource(session, reader, resource_code, key=credit_code)
    return data["records"][0] if data["records"] else None


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _department_name(session: Session, department_id: int | None) -> str:
    dept = session.get(Department, department_id) if department_id else None
    return dept.name if dept else "未知部门"
