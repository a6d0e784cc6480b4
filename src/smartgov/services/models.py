"""Tables of 一网通办: item versions, applications, parallel opinions, payments, certificates,
ratings and rectification tasks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now

SUBJECT = "svc_application"  # subject type of an application on timers, timeline and audit
RECTIFY_SUBJECT = "svc_rectify"


class ServiceItem(Base):
    """One version of a service item (政务服务事项 / 实施清单): a published version never changes.

    Materials, form fields, special procedures, joint departments and FAQ are data of the
    version (JSON), so an application keeps exactly what it was made under."""

    __tablename__ = "svc_item"
    __table_args__ = (UniqueConstraint("impl_code", "version"), Index("ix_svc_item_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    base_code: Mapped[str] = mapped_column(String(32), index=True)  # 基本编码
    impl_code: Mapped[str] = mapped_column(String(48))  # 实施编码
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft/published/retired
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(16))  # 事项类型
    legal_basis: Mapped[str] = mapped_column(Text, default="")  # 设定依据
    level: Mapped[str] = mapped_column(String(16), default="区级")  # 行使层级
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)  # 实施主体
    conditions: Mapped[str] = mapped_column(Text, default="")  # 受理条件
    audience: Mapped[str] = mapped_column(String(16), default="person")  # person/enterprise/both
    handling_form: Mapped[str] = mapped_column(String(16), default="both")  # online/window/both
    process: Mapped[str] = mapped_column(Text, default="")  # 办理流程
    statutory_days: Mapped[int] = mapped_column(Integer)  # 法定办结时限 (工作日)
    promised_days: Mapped[int] = mapped_column(Integer)  # 承诺办结时限 (工作日)
    special_procedures: Mapped[list] = mapped_column(JSON, default=list)  # [{kind,label,days}]
    charged: Mapped[bool] = mapped_column(Boolean, default=False)  # 是否收费
    fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    fee_standard: Mapped[str] = mapped_column(Text, default="")  # 收费标准
    fee_basis: Mapped[str] = mapped_column(Text, default="")  # 收费依据
    pay_before_delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    visits: Mapped[int] = mapped_column(Integer, default=0)  # 到现场次数
    consult_phone: Mapped[str] = mapped_column(String(32), default="")
    complaint_phone: Mapped[str] = mapped_column(String(32), default="")
    location: Mapped[str] = mapped_column(String(200), default="")  # 办理地点
    office_hours: Mapped[str] = mapped_column(String(200), default="")  # 办理时间
    joint_departments: Mapped[list] = mapped_column(JSON, default=list)  # 联办机构 [{code,days}]
    deemed_consent: Mapped[bool] = mapped_column(Boolean, default=True)  # 逾期视为同意
    sign_off_levels: Mapped[int] = mapped_column(Integer, default=1)  # 决定: 一级 / 两级审签
    certificate_type: Mapped[dict | None] = mapped_column(JSON)  # 审批结果 {code,name,years}
    faq: Mapped[list] = mapped_column(JSON, default=list)  # 常见问题 [{q,a}]
    parent_code: Mapped[str | None] = mapped_column(String(48))  # 主项 / 子项 hierarchy
    business_kind: Mapped[str | None] = mapped_column(String(8))  # 新设/变更/延续/注销
    materials: Mapped[list] = mapped_column(JSON, default=list)
    form_fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    published_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class Applicant(Base):
    """A person or enterprise who applies (申请人), found by ID number at the window."""

    __tablename__ = "svc_applicant"
    __table_args__ = (
        UniqueConstraint("id_type", "id_number"),
        Index("ix_svc_applicant_id_number", "id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")  # person/enterprise
    name: Mapped[str] = mapped_column(String(200), index=True)
    id_type: Mapped[str] = mapped_column(String(3))  # 111 居民身份证, 001 统一社会信用代码
    id_number: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    bad_credit: Mapped[bool] = mapped_column(Boolean, default=False)  # 失信


class Application(Base):
    """An application for an item (办件), made under one item version."""

    __tablename__ = "svc_application"
    __table_args__ = (
        Index("ix_svc_application_queue", "status", "lead_department_id", "id"),
        Index("ix_svc_application_status", "status", "id"),
        Index("ix_svc_application_item", "item_id", "id"),
        Index("ix_svc_application_applicant", "applicant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)  # 办件编号
    item_id: Mapped[int] = mapped_column(ForeignKey("svc_item.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("svc_applicant.id"))
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    channel: Mapped[str] = mapped_column(String(16), default="online")  # online/window
    status: Mapped[str] = mapped_column(String(16), default="draft")
    resume_state: Mapped[str | None] = mapped_column(String(16))  # where 补正 returns to
    form_data: Mapped[dict] = mapped_column(JSON, default=dict)
    materials: Mapped[list] = mapped_column(JSON, default=list)  # [{code,name,source,file_id,trust}]
    supplement_list: Mapped[list] = mapped_column(JSON, default=list)  # 一次性告知 items
    acceptance_kind: Mapped[str | None] = mapped_column(String(16))  # normal/tolerant/commitment/deemed
    promise_due: Mapped[date | None] = mapped_column(Date)  # 容缺: promised date of the missing ones
    promised_materials: Mapped[list] = mapped_column(JSON, default=list)
    commitment_text: Mapped[str | None] = mapped_column(Text)  # 告知承诺书
    decision: Mapped[str | None] = mapped_column(String(16))  # approve/refuse
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # 承诺时限
    statutory_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # 法定时限
    warning_level: Mapped[int] = mapped_column(Integer, default=0)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Opinion(Base):
    """One department's opinion in a parallel approval (并联审批意见), on its own timer."""

    __tablename__ = "svc_opinion"
    __table_args__ = (
        UniqueConstraint("application_id", "department_id"),
        Index("ix_svc_opinion_pending", "department_id", "status", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("svc_application.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/agree/disagree/deemed
    note: Mapped[str | None] = mapped_column(Text)
    limit_days: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class Payment(Base):
    """A payment notice (缴款通知): the platform records and reconciles, it never holds money."""

    __tablename__ = "svc_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("svc_application.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 缴款码
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="unpaid")  # unpaid/paid/refunded
    issued_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    paid_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    reference: Mapped[str | None] = mapped_column(String(64))  # the payment platform's 流水号


class Certificate(Base):
    """An issued electronic certificate (电子证照) with its signed canonical metadata."""

    __tablename__ = "svc_certificate"
    __table_args__ = (Index("ix_svc_certificate_holder", "holder_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(120), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("svc_application.id"))
    type_code: Mapped[str] = mapped_column(String(24))
    type_name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(64))  # 证照编号
    holder: Mapped[str] = mapped_column(String(200))
    holder_id_type: Mapped[str] = mapped_column(String(3))
    holder_id_number: Mapped[str] = mapped_column(String(32))
    issuer: Mapped[str] = mapped_column(String(100))
    issuer_code: Mapped[str] = mapped_column(String(24))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    area_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid/revoked
    payload: Mapped[str] = mapped_column(Text)  # the exact canonical JSON that was signed
    signature: Mapped[str] = mapped_column(Text)  # base64
    algorithm: Mapped[str] = mapped_column(String(16), default="Ed25519")
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class Rating(Base):
    """One 好差评 rating of one handling (一事一评)."""

    __tablename__ = "svc_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("svc_application.id"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("svc_item.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16), default="online")  # online/window
    named: Mapped[bool] = mapped_column(Boolean, default=True)  # 实名
    rated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now, index=True)


class Rectification(Base):
    """The rectification task of a named 差评 (差评整改): callback, rectification, appeal."""

    __tablename__ = "svc_rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("svc_rating.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="callback")
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    callback_note: Mapped[str | None] = mapped_column(Text)
    callback_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    rectify_note: Mapped[str | None] = mapped_column(Text)
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appeal_decision: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
