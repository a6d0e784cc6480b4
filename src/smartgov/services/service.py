"""Applications (办件): draft, submit, one-window acceptance, parallel approval, decision, 办结.

Every change goes through the workflow engine (``act``) with the effects below; the sweep hook
in ``clocks`` deems acceptance and consent when time runs out."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import now
from smartgov.errors import Forbidden, NotFound, ValidationFailed
from smartgov.files import service as files
from smartgov.files.policy import FilePolicy
from smartgov.inbox import service as inbox
from smartgov.org.models import Department
from smartgov.services import clocks, sources
from smartgov.services.catalogue import service as catalogue
from smartgov.services.models import SUBJECT, Applicant, Application, Opinion, ServiceItem
from smartgov.services.schemas import ActionIn, ApplicantIn, ApplicationIn
from smartgov.services.workflow import ACCEPT_LIMIT, FINAL_STATES, MACHINE, Status
from smartgov.workclock import sweeper, timers
from smartgov.workclock.models import WorkTimer
from smartgov.workclock.sweeper import lock_subject, mirror_level
from smartgov.workflow import engine, requests, timeline

MATERIAL_POLICY = FilePolicy(
    types=frozenset({"application/pdf", "image/jpeg", "image/png"}),
    max_bytes=10 * 1024 * 1024,
    kinds=frozenset({"material"}),
    what="材料",
)
JOINT_EXTENSION, SINGLE_EXTENSION = "15wd", "10wd"
ID_PATTERNS = {"111": re.compile(r"^\d{17}[\dX]$"), "001": re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")}

audit.register_labels(
    {f"{SUBJECT}.{name}": a.label for name, a in MACHINE.actions.items()}
    | {
        f"{SUBJECT}.create": "创建办件",
        f"{SUBJECT}.save": "保存草稿",
        f"{SUBJECT}.attach": "上传材料",
        f"{SUBJECT}.deemed_accepted": "逾期视为受理",
        f"{SUBJECT}.deemed_consent": "逾期视为同意",
        f"{SUBJECT}.export": "导出办件清单",
        "certificate.pdf": "下载证照版式文件",
        "svc_applicant.register": "登记申请人",
        "svc_item.create": "新建事项版本",
        "svc_item.update": "修改事项草稿",
        "svc_item.publish": "发布事项",
    },
    objects={SUBJECT: "办件", "svc_item": "事项", "svc_applicant": "申请人", "svc_certificate": "电子证照"},
)
inbox.register_subject(SUBJECT, lambda i: f"/services/applications/{i}")
inbox.register_kinds(
    {
        "svc_review": "并联审查",
        "svc_supplement": "补正告知",
        "svc_result": "办理结果",
        "svc_warning": "办件预警",
        "svc_supervise": "督办",
        "svc_extension": "延期告知",
    }
)


# --- applicants --------------------------------------------------------------------------------


def applicant_of_user(session: Session, user: User) -> Applicant:
    """The applicant record of a logged-in citizen or enterprise (from the account's profile)."""
    found = session.scalar(select(Applicant).where(Applicant.user_id == user.id))
    if found is not None:
        return found
    enterprise = "enterprise" in user.role_names
    id_type = "001" if enterprise else "111"
    if not user.id_number:
        raise ValidationFailed("请先在个人资料中填写证件号码", code="id_number_required")
    found = session.scalar(
        select(Applicant).where(Applicant.id_type == id_type, Applicant.id_number == user.id_number)
    )
    if found is not None:
        found.user_id = user.id
        return found
    applicant = Applicant(
        kind="enterprise" if enterprise else "person",
        name=user.display_name,
        id_type=id_type,
        id_number=user.id_number,
        phone=user.phone,
        user_id=user.id,
    )
    session.add(applicant)
    session.flush()
    return applicant


def register_applicant(session: Session, data: ApplicantIn, *, principal: Principal) -> Applicant:
    """The window finds an applicant by ID number or registers them (窗口登记)."""
    principal.require_any(Role.WINDOW_CLERK)
    if not ID_PATTERNS[data.id_type].match(data.id_number):
        raise ValidationFailed("证件号码格式不正确", code="bad_id_number")
    found = find_applicant(session, data.id_number, data.id_type)
    if found is not None:
        return found
    applicant = Applicant(**data.model_dump())
    session.add(applicant)
    session.flush()
    audit.record(
        session,
        principal=principal,
        action="svc_applicant.register",
        object_type="svc_applicant",
        object_id=applicant.id,
    )
    return applicant


def find_applicant(session: Session, id_number: str, id_type: str | None = None) -> Applicant | None:
    query = select(Applicant).where(Applicant.id_number == id_number.strip().upper())
    if id_type:
        query = query.where(Applicant.id_type == id_type)
    return session.scalar(query.limit(1))


# --- drafts ------------------------------------------------------------------------------------


def create(session: Session, data: ApplicationIn, *, principal: Principal) -> Application:
    """A draft application for a published item: the form prefilled, reusable materials attached."""
    item = catalogue.get(session, data.item_id)
    if item.status != catalogue.PUBLISHED:
        raise ValidationFailed("该事项未发布或已更新，请从办事指南重新进入", code="item_not_published")
    if principal.has_any(Role.WINDOW_CLERK):
        if data.applicant_id is None:
            raise ValidationFailed("窗口代办须先登记申请人", code="applicant_required")
        applicant = session.get(Applicant, data.applicant_id)
        if applicant is None:
            raise NotFound("申请人不存在", code="applicant_not_found")
        channel = "window"
    elif principal.has_any(Role.CITIZEN, Role.ENTERPRISE):
        applicant = applicant_of_user(session, principal.user)
        channel = "online"
    else:
        raise Forbidden("只有申请人或窗口人员可以申请", code="forbidden")
    if item.audience != "both" and item.audience != applicant.kind:
        who = "企业" if item.audience == "enterprise" else "个人"
        raise ValidationFailed(f"该事项只面向{who}办理", code="wrong_audience")
    form = sources.prefill(session, applicant, item.form_fields) | clean_form(item, data.form_data)
    app = Application(
        item_id=item.id,
        applicant_id=applicant.id,
        lead_department_id=item.department_id,
        channel=channel,
        status=Status.DRAFT,
        form_data=form,
        materials=sources.reused_materials(session, applicant, item.materials),
        created_by_id=principal.user_id,
    )
    session.add(app)
    session.flush()
    timeline.record(session, SUBJECT, app.id, principal, "create", None, Status.DRAFT)
    audit.record(
        session,
        principal=principal,
        action=f"{SUBJECT}.create",
        object_type=SUBJECT,
        object_id=app.id,
        detail={"item": item.impl_code, "version": item.version},
    )
    return app


def clean_form(item: ServiceItem, values: dict[str, Any]) -> dict[str, Any]:
    """Only the item's own fields, as text bounded by each field's length."""
    known = {f["name"]: f for f in item.form_fields}
    cleaned = {}
    for name, value in values.items():
        if name not in known:
            raise ValidationFailed(f"未知的表单字段：{name}", code="unknown_field")
        text = "" if value is None else str(value).strip()
        if len(text) > int(known[name].get("max_length", 200)):
            raise ValidationFailed(f"「{known[name]['label']}」过长", code="field_too_long")
        cleaned[name] = text
    return cleaned


def form_errors(item: ServiceItem, values: dict[str, Any]) -> list[dict[str, str]]:
    """Server-side validation of the item's form (表单校验): [{field, message}]."""
    errors = []
    for field in item.form_fields:
        name, label = field["name"], field["label"]
        value = str(values.get(name, "") or "").strip()
        if not value:
            if field.get("required"):
                errors.append({"field": name, "message": f"请填写「{label}」"})
            continue
        kind = field.get("type", "text")
        if kind == "number":
            try:
                number = float(value)
            except ValueError:
                errors.append({"field": name, "message": f"「{label}」须为数字"})
                continue
            if field.get("min") is not None and number < field["min"]:
                errors.append({"field": name, "message": f"「{label}」不能小于{field['min']:g}"})
            if field.get("max") is not None and number > field["max"]:
                errors.append({"field": name, "message": f"「{label}」不能大于{field['max']:g}"})
        elif kind == "choice" and value not in field.get("options", []):
            errors.append({"field": name, "message": f"「{label}」请从选项中选择"})
        elif kind == "date" and not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            errors.append({"field": name, "message": f"「{label}」须为日期（年-月-日）"})
        elif (
            kind == "id_number"
            and not ID_PATTERNS["111"].match(value)
            and not ID_PATTERNS["001"].match(value)
        ):
            errors.append({"field": name, "message": f"「{label}」格式不正确"})
        elif kind == "phone" and not re.match(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", value):
            errors.append({"field": name, "message": f"「{label}」须为手机或固定电话号码"})
    return errors


def save_draft(
    session: Session, app: Application, form_data: dict[str, Any], *, principal: Principal
) -> None:
    """Keep the form as it is (保存草稿); only a draft or an application asked for 补正 changes."""
    if app.status not in (Status.DRAFT, Status.SUPPLEMENT):
        raise ValidationFailed("只有草稿或待补正的办件可以修改", code="not_editable")
    if reason := MACHINE.actions["submit"].guards[0](app, principal):
        raise Forbidden(reason)
    item = session.get(ServiceItem, app.item_id)
    app.form_data = {**app.form_data, **clean_form(item, form_data)}
    app.updated_at = now()
    audit.record(
        session, principal=principal, action=f"{SUBJECT}.save", object_type=SUBJECT, object_id=app.id
    )


def attach_material(
    session: Session, app: Application, code: str, content: bytes, filename: str, *, principal: Principal
) -> dict[str, Any]:
    """Upload one material (checked by type and size) under its code."""
    if app.status in FINAL_STATES:
        raise ValidationFailed("已办结的办件不能再上传材料", code="not_editable")
    if reason := MACHINE.actions["submit"].guards[0](app, principal):
        raise Forbidden(reason)
    item = session.get(ServiceItem, app.item_id)
    material = next((m for m in item.materials if m["code"] == code), None)
    if material is None:
        raise ValidationFailed(f"该事项没有编码为 {code} 的材料", code="unknown_material")
    link = files.attach(
        session,
        policy=MATERIAL_POLICY,
        subject_type=SUBJECT,
        subject_id=app.id,
        content=content,
        filename=filename,
        kind="material",
        uploaded_by_id=principal.user_id,
    )
    entry = {
        "code": code,
        "name": material["name"],
        "source": "applicant",
        "reference": str(link.id),
        "trust": "C",
        "origin": f"申请人上传：{link.filename}",
    }
    app.materials = [m for m in app.materials if m["code"] != code] + [entry]
    app.updated_at = now()
    audit.record(
        session,
        principal=principal,
        action=f"{SUBJECT}.attach",
        object_type=SUBJECT,
        object_id=app.id,
        detail={"material": code},
    )
    return entry


def missing_materials(item: ServiceItem, app: Application) -> list[dict]:
    """Required materials (必要 or 可容缺) that are not attached yet."""
    held = {m["code"] for m in app.materials}
    return [
        m for m in item.materials if m["necessity"] in ("required", "tolerable") and m["code"] not in held
    ]


# --- visibility and queues ---------------------------------------------------------------------


def get(session: Session, app_id: int, principal: Principal) -> Application:
    """One application the principal may see: the applicant's own, the window's, the departments'
    involved, the supervisor's and the leader's; else 404 (its existence is not revealed)."""
    app = session.get(Application, app_id)
    if app is None or not may_see(session, app, principal):
        raise NotFound("办件不存在", code="application_not_found")
    return app


def may_see(session: Session, app: Application, principal: Principal) -> bool:
    if principal.is_anonymous:
        return False
    if principal.is_public:
        applicant = session.get(Applicant, app.applicant_id)
        return applicant is not None and principal.owns(applicant.user_id)
    if principal.has_any(Role.WINDOW_CLERK, Role.SUPERVISOR, Role.LEADER):
        return True
    if principal.has_any(Role.APPROVER) and principal.department_id is not None:
        if app.lead_department_id == principal.department_id:
            return True
        return bool(
            session.scalar(
                select(Opinion.id).where(
                    Opinion.application_id == app.id, Opinion.department_id == principal.department_id
                )
            )
        )
    return False


COUNT_CAP = 1000  # a queue counts this far ("1000+"): a count never reads a million rows
LEAD_QUEUES = frozenset({"pending_accept", "supplement", "reviewing", "deciding", "issuing"})
QUEUES = {
    "pending_accept": "待受理",
    "supplement": "待补正",
    "reviewing": "待审查",
    "parallel": "并联待办",
    "deciding": "待决定",
    "issuing": "待制证",
    "warning": "即将超期",
    "overdue": "已超期",
    "all": "全部办件",
}


def queue_query(
    principal: Principal, queue: str, q: str | None = None, session: Session | None = None
) -> Select:
    """The applications in a role's queue (待受理, 并联待办, 已超期 …) within the principal's scope."""
    if queue not in QUEUES:
        raise ValidationFailed(f"未知的队列：{queue}", code="unknown_queue")
    query = select(Application).where(Application.status != Status.DRAFT)
    if principal.is_public:
        owned = select(Applicant.id).where(Applicant.user_id == principal.user_id)
        query = query.where(Application.applicant_id.in_(owned))
    elif principal.has_any(Role.WINDOW_CLERK, Role.SUPERVISOR, Role.LEADER):
        pass
    elif principal.has_any(Role.APPROVER) and queue in LEAD_QUEUES:
        query = query.where(Application.lead_department_id == principal.department_id)
    elif principal.has_any(Role.APPROVER) and queue == "parallel":
        pass  # the queue itself is the department's own pending opinions
    elif principal.has_any(Role.APPROVER):
        involved = select(Opinion.application_id).where(Opinion.department_id == principal.department_id)
        query = query.where(
            or_(Application.lead_department_id == principal.department_id, Application.id.in_(involved))
        )
    else:
        raise Forbidden("当前账号无权查看办件", code="forbidden")
    overdue = timers.overdue_level()
    if queue == "pending_accept":
        query = query.where(Application.status == Status.SUBMITTED)
    elif queue == "supplement":
        query = query.where(Application.status == Status.SUPPLEMENT)
    elif queue == "reviewing":
        query = query.where(
            Application.status.in_((Status.REVIEWING, Status.SPECIAL)),
            Application.lead_department_id == principal.department_id,
        )
    elif queue == "parallel":
        query = query.join(Opinion, Opinion.application_id == Application.id).where(
            Opinion.department_id == principal.department_id,
            Opinion.status == "pending",
            Application.status == Status.REVIEWING,
        )
    elif queue == "deciding":
        query = query.where(Application.status.in_((Status.DECIDING, Status.SIGNING)))
    elif queue == "issuing":
        query = query.where(Application.status == Status.ISSUING)
    elif queue == "warning":
        query = query.where(
            Application.warning_level.between(1, overdue - 1), Application.status.not_in(tuple(FINAL_STATES))
        )
    elif queue == "overdue":
        query = query.where(
            Application.warning_level >= overdue, Application.status.not_in(tuple(FINAL_STATES))
        )
    if q and q.strip() and session is not None:
        query = query.where(search_condition(session, q.strip()))
    return query


def search_condition(session: Session, text: str) -> Any:
    """全文检索 by 办件编号, applicant (name prefix or ID number) or item name, each on an index:
    the applicants and items are looked up first, so a million applications are never scanned."""
    if text.isdigit() and len(text) == 16:
        return Application.number == text
    applicants = list(
        session.scalars(select(Applicant.id).where(Applicant.id_number == text.upper()).limit(10))
    )
    applicants += list(
        session.scalars(
            select(Applicant.id).where(Applicant.name >= text, Applicant.name < text + "\uffff").limit(1000)
        )
    )
    items = list(
        session.scalars(
            select(ServiceItem.id).where(or_(ServiceItem.name.contains(text), ServiceItem.impl_code == text))
        )
    )
    conditions = []
    if applicants:
        conditions.append(Application.applicant_id.in_(applicants))
    if items:
        conditions.append(Application.item_id.in_(items))
    if not conditions:
        return Application.number == text
    return conditions[0] if len(conditions) == 1 else or_(*conditions)


def find(
    session: Session,
    principal: Principal,
    queue: str = "all",
    q: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[Application], int]:
    query = queue_query(principal, queue, q, session)
    capped = query.order_by(None).with_only_columns(Application.id).limit(COUNT_CAP + 1)
    total = session.scalar(select(func.count()).select_from(capped.subquery())) or 0
    rows = session.scalars(
        query.order_by(Application.id.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return list(rows), total


# --- the workflow ------------------------------------------------------------------------------


def act(
    session: Session,
    app: Application,
    name: str,
    data: ActionIn,
    *,
    principal: Principal,
    client_addr: str | None = None,
    at: datetime | None = None,
) -> Application:
    """Do one action of the flow (受理, 审查意见, 决定 …) in one transaction."""
    return engine.act(
        session,
        MACHINE,
        app,
        name,
        data,
        principal=principal,
        version=data.version,
        note=data.note,
        client_addr=client_addr,
        at=at,
        event_data=_event_data(name, data),
    )


def _event_data(name: str, data: ActionIn) -> dict[str, Any] | None:
    values = {k: v for k, v in data.model_dump(exclude={"version", "note"}, mode="json").items() if v}
    return values or None


def _item(session: Session, app: Application) -> ServiceItem:
    return session.get(ServiceItem, app.item_id)


def _applicant(session: Session, app: Application) -> Applicant:
    return session.get(Applicant, app.applicant_id)


def _tell_applicant(session: Session, app: Application, kind: str, message: str) -> None:
    applicant = _applicant(session, app)
    if applicant.user_id is not None:
        inbox.notify(
            session,
            kind=kind,
            message=message,
            user_id=applicant.user_id,
            subject_type=SUBJECT,
            subject_id=app.id,
        )
    if applicant.phone:
        inbox.send(
            session,
            channel="sms",
            recipient=applicant.phone,
            body=message,
            subject_type=SUBJECT,
            subject_id=app.id,
        )


def _submit(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    item = _item(session, app)
    errors = form_errors(item, app.form_data)
    if errors:
        raise ValidationFailed(
            "申请表填写有误：" + "；".join(e["message"] for e in errors), code="form_invalid", details=errors
        )
    app.submitted_at = at
    app.number = f"{at:%Y%m%d}{app.id:08d}"
    applicant = _applicant(session, app)
    app.search_text = " ".join((app.number, applicant.name, applicant.id_number, item.name, item.impl_code))
    clocks.start(session, app, "accept", ACCEPT_LIMIT, at, department_id=app.lead_department_id)


def _start_handling(
    session: Session, app: Application, at: datetime, kind: str, accepted_at: datetime | None = None
) -> None:
    """受理: the acceptance clock stops, the promise and statute clocks start, and every
    co-department gets the application at once with its own timer (并联审批)."""
    item = _item(session, app)
    start_at = accepted_at or at
    clocks.stop(session, app, at, "accept")
    app.acceptance_kind, app.accepted_at = kind, start_at
    clocks.start(
        session, app, "promise", item.promised_days or item.statutory_days, start_at, app.lead_department_id
    )
    clocks.start(session, app, "statute", item.statutory_days, start_at, app.lead_department_id)
    for department_id, days in catalogue.joint_department_ids(session, item):
        session.add(Opinion(application_id=app.id, department_id=department_id, limit_days=days))
        clocks.start(session, app, "review", days, start_at, department_id)
        inbox.notify(
            session,
            kind="svc_review",
            department_id=department_id,
            subject_type=SUBJECT,
            subject_id=app.id,
            message=f"并联审查：{item.name}（{app.number}）",
        )
    _tell_applicant(session, app, "svc_result", f"您的办件{app.number}（{item.name}）已受理。")


def _accept(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    missing = missing_materials(_item(session, app), app)
    if missing:
        names = "、".join(m["name"] for m in missing)
        raise ValidationFailed(
            f"材料不齐全，不能受理：缺少{names}；可一次性告知补正或容缺受理", code="materials_missing"
        )
    _start_handling(session, app, at, "normal")


def _accept_tolerant(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    """容缺受理: core materials complete; the tolerable ones promised by a date."""
    item = _item(session, app)
    missing = missing_materials(item, app)
    core = [m["name"] for m in missing if m["necessity"] != "tolerable"]
    if core:
        raise ValidationFailed(f"核心材料不齐全，不能容缺受理：缺少{'、'.join(core)}", code="core_missing")
    if not missing:
        raise ValidationFailed("材料已齐全，请直接受理", code="nothing_missing")
    if data.promise_due is None or data.promise_due <= at.date():
        raise ValidationFailed("请填写今天以后的承诺补齐日期", code="promise_due_required")
    app.promise_due = data.promise_due
    app.promised_materials = [m["code"] for m in missing]
    _start_handling(session, app, at, "tolerant")


def _accept_commitment(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    """告知承诺: a signed promise replaces the materials marked as such."""
    item = _item(session, app)
    if not (data.commitment or "").strip():
        raise ValidationFailed("请填写申请人签署的承诺书内容", code="commitment_required")
    missing = missing_materials(item, app)
    not_replaceable = [m["name"] for m in missing if not m.get("commitment")]
    if not_replaceable:
        raise ValidationFailed(
            f"以下材料不能以承诺替代：{'、'.join(not_replaceable)}", code="not_replaceable"
        )
    app.commitment_text = data.commitment.strip()
    app.materials = app.materials + [
        {
            "code": m["code"],
            "name": m["name"],
            "source": "commitment",
            "reference": "",
            "trust": "D",
            "origin": "告知承诺替代",
        }
        for m in missing
    ]
    _start_handling(session, app, at, "commitment")


def _refuse_acceptance(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    clocks.stop(session, app, at)
    app.finished_at = at
    _tell_applicant(session, app, "svc_result", f"您的办件{app.number}不予受理：{data.note}")


def _request_supplement(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    """一次性告知补正: every missing or faulty material listed at once; every clock pauses."""
    item = _item(session, app)
    codes = {m["code"]: m for m in item.materials}
    unknown = [c for c in data.materials if c not in codes]
    if not data.materials or unknown:
        raise ValidationFailed("请列出需补正的材料（须为本事项的材料）", code="materials_required")
    app.supplement_list = [
        {"code": c, "name": codes[c]["name"], "note": data.note or ""} for c in data.materials
    ]
    app.resume_state = app.status
    clocks.pause_all(session, app, at, "补正")
    names = "、".join(codes[c]["name"] for c in data.materials)
    _tell_applicant(session, app, "svc_supplement", f"您的办件{app.number}需一次性补正：{names}。{data.note}")


def _supply(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    held = {m["code"] for m in app.materials}
    outstanding = [m["name"] for m in app.supplement_list if m["code"] not in held]
    if outstanding:
        raise ValidationFailed(f"请先上传补正材料：{'、'.join(outstanding)}", code="supplement_incomplete")
    back = app.resume_state or Status.SUBMITTED
    app.supplement_list, app.resume_state = [], None
    clocks.resume_all(session, app, at)
    engine.move(session, MACHINE, app, back, at)


def _opinion(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    if data.verdict is None:
        raise ValidationFailed("请选择同意或不同意", code="verdict_required")
    if data.verdict == "disagree" and not (data.note or "").strip():
        raise ValidationFailed("不同意须说明理由", code="grounds_required")
    opinion = session.scalar(
        select(Opinion).where(
            Opinion.application_id == app.id, Opinion.department_id == principal.department_id
        )
    )
    opinion.status, opinion.note = data.verdict, data.note
    opinion.actor_id, opinion.answered_at = principal.user_id, at
    clocks.stop(session, app, at, "review", principal.department_id)


def _start_special(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    item = _item(session, app)
    special = next((s for s in item.special_procedures if s["kind"] == data.kind), None)
    if special is None:
        labels = "、".join(s["label"] for s in item.special_procedures) or "无"
        raise ValidationFailed(f"本事项的特别程序只有：{labels}", code="unknown_special")
    clocks.pause_all(session, app, at, special["label"])
    clocks.start(session, app, "special", special["days"], at, app.lead_department_id)


def _end_special(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    clocks.stop(session, app, at, "special")
    clocks.resume_all(session, app, at)


def _review(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    return None


def _decide(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    if data.decision not in ("approve", "refuse"):
        raise ValidationFailed("请选择准予许可或不予许可", code="decision_required")
    if data.decision == "refuse" and not (data.note or "").strip():
        raise ValidationFailed("不予许可须说明理由", code="grounds_required")
    app.decision, app.decision_note, app.decided_by_id = data.decision, data.note, principal.user_id
    if _item(session, app).sign_off_levels >= 2:
        engine.move(session, MACHINE, app, Status.SIGNING, at)
    else:
        _conclude(session, app, at)


def _sign_off(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    if data.decision not in ("yes", "no"):
        raise ValidationFailed("请选择同意或不同意", code="decision_required")
    if data.decision == "no":
        app.decision, app.decided_by_id = None, None
        engine.move(session, MACHINE, app, Status.DECIDING, at)
    else:
        _conclude(session, app, at)


def _conclude(session: Session, app: Application, at: datetime) -> None:
    """The decision stands: approval goes to 制证 (with its fee notice), refusal ends the application."""
    from smartgov.services.fees import service as fees

    item = _item(session, app)
    if app.decision == "approve":
        if item.charged:
            fees.issue_notice(session, app, item, at)
        engine.move(session, MACHINE, app, Status.ISSUING, at)
        return
    clocks.stop(session, app, at)
    app.finished_at = at
    engine.move(session, MACHINE, app, Status.DISAPPROVED, at)
    _tell_applicant(
        session, app, "svc_result", f"您的办件{app.number}（{item.name}）不予许可：{app.decision_note}"
    )


def _issue(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    """办结: the certificate is issued and signed; delivery waits for payment when the item says so."""
    from smartgov.services.certificates import service as certificates
    from smartgov.services.fees import service as fees

    item = _item(session, app)
    if item.charged and item.pay_before_delivery and not fees.is_paid(session, app):
        raise ValidationFailed("该事项须缴费后送达，尚未收到缴款", code="unpaid")
    if (
        principal.has_any(Role.APPROVER)
        and not principal.has_any(Role.WINDOW_CLERK)
        and principal.department_id != app.lead_department_id
    ):
        raise Forbidden("该办件不由本部门牵头办理")
    cert = certificates.issue_for(session, app, item, at) if item.certificate_type else None
    clocks.stop(session, app, at)
    app.finished_at = at
    result = f"，电子证照 {cert.identifier}" if cert else ""
    _tell_applicant(session, app, "svc_result", f"您的办件{app.number}（{item.name}）已办结{result}。")


def _supply_promised(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    held = {m["code"] for m in app.materials}
    outstanding = [c for c in app.promised_materials if c not in held]
    if outstanding:
        raise ValidationFailed("请先上传承诺补交的材料", code="promised_incomplete")
    app.promised_materials = []


def _terminate(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    clocks.stop(session, app, at)
    app.finished_at = at
    _tell_applicant(session, app, "svc_result", f"您的办件{app.number}因容缺材料未按承诺补齐已终止办理。")


def _revoke(session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime) -> None:
    from smartgov.services.certificates import service as certificates

    certificates.revoke_of_application(session, app, f"告知承诺不实：{data.note}", at)
    _tell_applicant(session, app, "svc_result", f"您的办件{app.number}的决定因承诺不实被撤销：{data.note}")


def _request_extension(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    extension = JOINT_EXTENSION if _item(session, app).joint_departments else SINGLE_EXTENSION
    requests.open_request(
        session,
        SUBJECT,
        app.id,
        "extend",
        data.note or "",
        at=at,
        extension=extension,
        department_id=app.lead_department_id,
        requested_by_id=principal.user_id,
    )


def _decide_extension(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    request = requests.pending(session, SUBJECT, app.id)
    if data.decision not in ("yes", "no"):
        raise ValidationFailed("请选择同意或不同意", code="decision_required")
    requests.decide(request, data.decision == "yes", by_id=principal.user_id, at=at, note=data.note)
    if data.decision == "yes":
        clocks.extend(session, app, request.extension or SINGLE_EXTENSION)
        app.extended = True
        days = (request.extension or SINGLE_EXTENSION).removesuffix("wd")
        _tell_applicant(
            session,
            app,
            "svc_extension",
            f"您的办件{app.number}办理时限延长{days}个工作日，理由：{request.reason}",
        )


def _supervise(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    inbox.notify(
        session,
        kind="svc_supervise",
        department_id=app.lead_department_id,
        subject_type=SUBJECT,
        subject_id=app.id,
        message=f"督办：办件{app.number}，{data.note}",
    )


def _no_effect(
    session: Session, app: Application, data: ActionIn, principal: Principal, at: datetime
) -> None:
    return None


MACHINE.bind_effects(
    {
        "submit": _submit,
        "accept": _accept,
        "accept_tolerant": _accept_tolerant,
        "accept_commitment": _accept_commitment,
        "refuse_acceptance": _refuse_acceptance,
        "request_supplement": _request_supplement,
        "supply": _supply,
        "opinion": _opinion,
        "start_special": _start_special,
        "end_special": _end_special,
        "review": _review,
        "decide": _decide,
        "sign_off": _sign_off,
        "issue": _issue,
        "supply_promised": _supply_promised,
        "terminate": _terminate,
        "revoke": _revoke,
        "request_extension": _request_extension,
        "decide_extension": _decide_extension,
        "supervise": _supervise,
    }
)


# --- what the sweep does -----------------------------------------------------------------------


def deem_accepted(session: Session, app_id: int, at: datetime) -> None:
    """An application left unanswered past the acceptance period counts as accepted on receipt."""
    app = session.get(Application, app_id)
    if app is None or app.status != Status.SUBMITTED:
        return
    _start_handling(session, app, at, "deemed", accepted_at=app.submitted_at)
    engine.move(session, MACHINE, app, Status.REVIEWING, at)
    timeline.record(
        session,
        SUBJECT,
        app.id,
        None,
        "deemed_accepted",
        Status.SUBMITTED,
        Status.REVIEWING,
        "超过法定受理期限未作处理，自收到申请之日起视为受理",
        at=at,
    )
    audit.record(session, action=f"{SUBJECT}.deemed_accepted", object_type=SUBJECT, object_id=app.id)


def deem_consent(session: Session, timer: Any, at: datetime) -> None:
    """A co-department whose time ran out is deemed to agree when the item says so (视为同意)."""
    app = session.get(Application, timer.subject_id)
    if app is None or app.status != Status.REVIEWING or not _item(session, app).deemed_consent:
        return
    opinion = session.scalar(
        select(Opinion).where(
            Opinion.application_id == app.id,
            Opinion.department_id == timer.department_id,
            Opinion.status == "pending",
        )
    )
    if opinion is None:
        return
    opinion.status, opinion.answered_at = "deemed", at
    opinion.note = "逾期未提出意见，视为同意"
    timers.stop(timer, at)
    dept = session.get(Department, timer.department_id)
    timeline.record(
        session,
        SUBJECT,
        app.id,
        None,
        "deemed_consent",
        app.status,
        app.status,
        f"{dept.name}逾期未提出意见，视为同意",
        at=at,
        data={"department_id": dept.id},
    )
    audit.record(
        session,
        action=f"{SUBJECT}.deemed_consent",
        object_type=SUBJECT,
        object_id=app.id,
        detail={"department": dept.name},
    )


def warn(session: Session, app_id: int, level: int, at: datetime) -> None:
    app = session.get(Application, app_id)
    if app is None:
        return
    label = "已超期" if level >= timers.overdue_level() else "即将超期"
    inbox.notify(
        session,
        kind="svc_warning",
        department_id=app.lead_department_id,
        subject_type=SUBJECT,
        subject_id=app.id,
        message=f"办件{app.number}{label}",
    )


def opinions(session: Session, app: Application) -> list[Opinion]:
    return list(session.scalars(select(Opinion).where(Opinion.application_id == app.id).order_by(Opinion.id)))


def terminate_broken_promises(session: Session, at: datetime) -> int:
    """容缺: an application whose promised materials did not come by the date ends (终止办理)."""
    from smartgov.services.workflow import ACCEPTED_STATES

    rows = session.scalars(
        select(Application).where(
            Application.acceptance_kind == "tolerant",
            Application.status.in_(tuple(ACCEPTED_STATES)),
            Application.promise_due < at.date(),
        )
    ).all()
    ended = 0
    for app in rows:
        if not app.promised_materials:
            continue
        before = app.status
        clocks.stop(session, app, at)
        app.finished_at = at
        engine.move(session, MACHINE, app, Status.TERMINATED, at)
        timeline.record(
            session,
            SUBJECT,
            app.id,
            None,
            "terminate",
            before,
            Status.TERMINATED,
            "容缺材料未按承诺期限补齐，终止办理",
            at=at,
        )
        audit.record(session, action=f"{SUBJECT}.terminate", object_type=SUBJECT, object_id=app.id)
        ended += 1
    return ended


class ApplicationSweep:
    """What a sweep does to applications: warning levels, 视为受理 and 视为同意."""

    def begin(self, session: Session) -> None:
        return None

    def lock(self, session: Session, subject_id: int) -> None:
        lock_subject(session, Application.__table__, subject_id)

    def raised(self, session: Session, timer: WorkTimer, level: int, at: datetime) -> None:
        overdue = level >= timers.overdue_level()
        if timer.stage == "accept" and overdue:
            deem_accepted(session, timer.subject_id, at)
        elif timer.stage == "review" and overdue:
            deem_consent(session, timer, at)
        elif timer.stage == "promise":
            mirror_level(session, Application.__table__, timer.subject_id, level)
            warn(session, timer.subject_id, level, at)


sweeper.register(SUBJECT, ApplicationSweep())
