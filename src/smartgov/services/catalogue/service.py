"""The item catalogue (事项目录): versions written as drafts, published once, never changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.db import now
from smartgov.errors import Conflict, NotFound, ValidationFailed
from smartgov.org.models import Department
from smartgov.services.models import ServiceItem
from smartgov.services.schemas import ITEM_TYPES, ItemIn

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
STATUS_LABELS = {DRAFT: "草稿", PUBLISHED: "已发布", RETIRED: "已停用（旧版本）"}


def department_by_code(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise ValidationFailed(f"部门不存在：{code}", code="unknown_department")
    return dept


def check(session: Session, data: ItemIn) -> dict[str, Any]:
    """The columns of an item version, or 422 saying what is wrong (承诺时限不得超过法定时限 …)."""
    if data.promised_days > data.statutory_days:
        raise ValidationFailed(
            f"承诺办结时限（{data.promised_days}个工作日）不得超过法定办结时限（{data.statutory_days}个工作日）",
            code="promise_exceeds_statute",
        )
    if data.item_type not in ITEM_TYPES:
        raise ValidationFailed(f"未知的事项类型：{data.item_type}", code="bad_item_type")
    lead = department_by_code(session, data.department_code)
    joint_codes = [j.code for j in data.joint_departments]
    if data.department_code in joint_codes:
        raise ValidationFailed("牵头部门不能同时是联办部门", code="lead_is_joint")
    if len(set(joint_codes)) != len(joint_codes):
        raise ValidationFailed("联办部门重复", code="duplicate_joint")
    for code in joint_codes:
        department_by_code(session, code)
    codes = [m.code for m in data.materials]
    if len(set(codes)) != len(codes):
        raise ValidationFailed("材料编码重复", code="duplicate_material")
    for material in data.materials:
        if material.source == "certificate" and not material.certificate_type:
            raise ValidationFailed(
                f"材料「{material.name}」来源为电子证照，须填写证照类型", code="certificate_type_required"
            )
    names = [f.name for f in data.form_fields]
    if len(set(names)) != len(names):
        raise ValidationFailed("表单字段名重复", code="duplicate_field")
    if data.charged and data.fee_cents <= 0:
        raise ValidationFailed("收费事项须填写收费金额", code="fee_required")
    if data.business_kind is not None and data.business_kind not in ("新设", "变更", "延续", "注销"):
        raise ValidationFailed(f"未知的业务办理项类型：{data.business_kind}", code="bad_business_kind")
    values = data.model_dump(exclude={"department_code"})
    values["department_id"] = lead.id
    for key in ("special_procedures", "joint_departments", "materials", "form_fields"):
        values[key] = [dict(x) for x in values[key]]
    return values


def create_draft(session: Session, data: ItemIn, *, principal: Any) -> ServiceItem:
    """A new item, or the next version of an existing implementation code, as a draft."""
    values = check(session, data)
    if session.scalar(
        select(ServiceItem.id).where(ServiceItem.impl_code == data.impl_code, ServiceItem.status == DRAFT)
    ):
        raise Conflict("该事项已有未发布的草稿", code="draft_exists")
    latest = session.scalar(
        select(func.max(ServiceItem.version)).where(ServiceItem.impl_code == data.impl_code)
    )
    item = ServiceItem(**values, version=(latest or 0) + 1, status=DRAFT)
    session.add(item)
    session.flush()
    audit.record(
        session,
        principal=principal,
        action="svc_item.create",
        object_type="svc_item",
        object_id=item.id,
        detail={"impl_code": item.impl_code, "version": item.version},
    )
    return item


def update_draft(session: Session, item_id: int, data: ItemIn, *, principal: Any) -> ServiceItem:
    """Change a draft; a published version never changes (refused with 409)."""
    item = get(session, item_id)
    if item.status != DRAFT:
        raise Conflict("已发布的事项版本不能修改，请新建版本", code="item_published")
    if data.impl_code != item.impl_code:
        raise ValidationFailed("不能修改实施编码", code="impl_code_fixed")
    for key, value in check(session, data).items():
        setattr(item, key, value)
    audit.record(
        session, principal=principal, action="svc_item.update", object_type="svc_item", object_id=item.id
    )
    return item


def publish(session: Session, item_id: int, *, principal: Any) -> ServiceItem:
    """Publish a draft (发布); the version it replaces is retired but kept for its applications."""
    item = get(session, item_id)
    if item.status != DRAFT:
        raise Conflict("只有草稿可以发布", code="not_draft")
    for old in session.scalars(
        select(ServiceItem).where(ServiceItem.impl_code == item.impl_code, ServiceItem.status == PUBLISHED)
    ):
        old.status = RETIRED
    item.status, item.published_at = PUBLISHED, now()
    audit.record(
        session,
        principal=principal,
        action="svc_item.publish",
        object_type="svc_item",
        object_id=item.id,
        detail={"impl_code": item.impl_code, "version": item.version},
    )
    return item


def new_version(session: Session, item_id: int, *, principal: Any) -> ServiceItem:
    """A draft copy of a version to edit (新建版本)."""
    item = get(session, item_id)
    data = ItemIn(**as_input(session, item))
    return create_draft(session, data, principal=principal)


def as_input(session: Session, item: ServiceItem) -> dict[str, Any]:
    """An item version as the input that would create it (for copies and exports)."""
    dept = session.get(Department, item.department_id)
    fields = set(ItemIn.model_fields) - {"department_code"}
    values = {f: getattr(item, f) for f in fields}
    values["department_code"] = dept.code if dept else ""
    return values


def get(session: Session, item_id: int) -> ServiceItem:
    item = session.get(ServiceItem, item_id)
    if item is None:
        raise NotFound("事项不存在", code="item_not_found")
    return item


def published(
    session: Session,
    *,
    q: str | None = None,
    department_id: int | None = None,
    audience: str | None = None,
    limit: int = 200,
) -> list[ServiceItem]:
    """The published items of the guide (办事指南), searchable by name or code."""
    query = select(ServiceItem).where(ServiceItem.status == PUBLISHED)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            or_(
                ServiceItem.name.like(like),
                ServiceItem.impl_code.like(like),
                ServiceItem.base_code.like(like),
            )
        )
    if department_id:
        query = query.where(ServiceItem.department_id == department_id)
    if audience in ("person", "enterprise"):
        query = query.where(ServiceItem.audience.in_((audience, "both")))
    return list(session.scalars(query.order_by(ServiceItem.impl_code).limit(limit)))


def versions(session: Session, impl_code: str) -> list[ServiceItem]:
    return list(
        session.scalars(
            select(ServiceItem).where(ServiceItem.impl_code == impl_code).order_by(ServiceItem.version)
        )
    )


def joint_department_ids(session: Session, item: ServiceItem) -> list[tuple[int, int]]:
    """(department id, limit in working days) of each co-department (联办部门)."""
    rows = []
    for joint in item.joint_departments:
        dept = department_by_code(session, joint["code"])
        rows.append((dept.id, int(joint["days"])))
    return rows
