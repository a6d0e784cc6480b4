"""Tables of 一网统管: categories, cases (案卷), their timeline, clocks, exceptions and reporters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartgov.db import AwareDateTime, Base, now

SUBJECT = "case"  # the subject type of a case on the platform's timeline, timers, inbox and files


class Category(Base):
    """A class of the catalogue (案件类别): 部件/事件 major class (大类) or minor class (小类).

    A minor class carries the filing and closing conditions, the default department and the
    time limit of each stage, written like "4wh", "2wd", "24h" (see workclock.TimeLimit).
    """

    __tablename__ = "case_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="event")  # component 部件 | event 事件
    level: Mapped[str] = mapped_column(String(8), default="minor")  # major 大类 | minor 小类
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("case_category.id"))
    description: Mapped[str | None] = mapped_column(Text)
    filing_condition: Mapped[str | None] = mapped_column(Text)  # 立案条件
    closing_condition: Mapped[str | None] = mapped_column(Text)  # 结案条件
    legal_basis: Mapped[str | None] = mapped_column(Text)  # 法律依据
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    urgency_levels: Mapped[str] = mapped_column(String(64), default="一般,紧急,特急")
    verify_limit: Mapped[str] = mapped_column(String(16), default="1wh")  # 核实时限
    file_limit: Mapped[str] = mapped_column(String(16), default="1wh")  # 立案时限
    dispatch_limit: Mapped[str] = mapped_column(String(16), default="1wh")  # 派遣时限
    handle_limit: Mapped[str] = mapped_column(String(16), default="2wd")  # 处置时限
    recheck_limit: Mapped[str] = mapped_column(String(16), default="4wh")  # 核查时限
    needs_verify: Mapped[bool] = mapped_column(Boolean, default=True)  # 公众上报需核实
    needs_recheck: Mapped[bool] = mapped_column(Boolean, default=True)  # 需现场核查
    direct_dispatch: Mapped[bool] = mapped_column(Boolean, default=False)  # 直派
    keywords: Mapped[str | None] = mapped_column(Text)
    # Open311 service definition attributes: list of {code, datatype, required, description, values}.
    attributes: Mapped[list | None] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id", lazy="joined")


class RequestType(Base):
    """A 12345 request type (诉求类型: 咨询, 求助, 投诉, 举报, 建议, 表扬) with its handling limit."""

    __tablename__ = "request_type"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    handle_limit: Mapped[str] = mapped_column(String(16))
    needs_callback: Mapped[bool] = mapped_column(Boolean, default=True)


class DispatchRule(Base):
    """派遣目录: category × area → department, tried in order; it decides when it matches."""

    __tablename__ = "dispatch_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("case_category.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))  # None = everywhere
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    priority: Mapped[int] = mapped_column(Integer, default=100)


# Who may see a case (service.visibility_clause): carried by the queue indexes (PostgreSQL INCLUDE).
VISIBILITY_COLUMNS = ["lead_department_id", "grid_id", "street_id", "created_by_id"]


class Case(Base):
    """One case (案卷 / 工单), whatever channel it came from; moves through the seven-step flow."""

    __tablename__ = "case_record"
    __table_args__ = (
        Index("ix_case_record_status_dept", "status", "lead_department_id"),
        Index("ix_case_record_grid_status", "grid_id", "status"),
        # Covers the performance figures (绩效) of a period without touching the table.
        Index("ix_case_record_reported_kpi", "reported_at", "status", "lead_department_id",
              "street_id", "grid_id", "rework_count", "created_by_id", "source"),
        # Workbench queues (工作台队列) answered from the index alone on PostgreSQL: a state's
        # cases newest first, with every column the visibility rules and queue filters read.
        Index("ix_case_record_queue", "status", "id",
              postgresql_include=[*VISIBILITY_COLUMNS, "warning_level", "is_supervised"]),
        Index("ix_case_record_source_ref", "source", "source_ref"),  # a sensor's or opinion alert's case
        Index("ix_case_record_warning_queue", "warning_level", "id",  # 即将超期 / 已超期
              postgresql_include=[*VISIBILITY_COLUMNS, "status", "is_supervised"]),
        Index("ix_case_record_category_reported", "category_id", "reported_at"),
        # 督办 queue: the few supervised cases, not every open case (SQLite chose status alone).
        Index("ix_case_record_supervised_status", "is_supervised", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str | None] = mapped_column(String(32), unique=True)  # 案件编号
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)  # 查询码
    source: Mapped[str] = mapped_column(String(16), index=True)  # portal, hotline, inspector …
    source_ref: Mapped[str | None] = mapped_column(String(128))
    request_type: Mapped[str | None] = mapped_column(String(16))  # 12345 诉求类型
    category_id: Mapped[int | None] = mapped_column(ForeignKey("case_category.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(8), default="一般")
    status: Mapped[str] = mapped_column(String(24))
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    open311_client_id: Mapped[int | None] = mapped_column(ForeignKey("open311_client.id"))
    reported_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    verified_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    filed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # The open stage's due time and warning level (0 none, 1 黄牌 ≥60 %, 2 橙牌 ≥80 %, 3 超期).
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    warning_level: Mapped[int] = mapped_column(Integer, default=0)
    expected_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # 预计办结时间
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    auto_dispatched: Mapped[bool] = mapped_column(Boolean, default=False)
    dispatch_confidence: Mapped[float | None] = mapped_column(Float)
    self_handled: Mapped[bool] = mapped_column(Boolean, default=False)  # 自行处置
    is_supervised: Mapped[bool] = mapped_column(Boolean, default=False)  # 督办
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    needs_callback: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[str | None] = mapped_column(String(8))  # 满意/基本满意/不满意
    result_note: Mapped[str | None] = mapped_column(Text)  # 办理结果 shown to the citizen
    simhash: Mapped[int | None] = mapped_column(BigInteger)  # SimHash of the text, signed 64-bit
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    helpers: Mapped[list[CaseHelper]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class CaseHelper(Base):
    """A helping department (协办单位) of a case."""

    __tablename__ = "case_helper"
    __table_args__ = (UniqueConstraint("case_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)


class CaseReporter(Base):
    """Everyone who reported the problem; merging (并单) keeps them all, and all get the result."""

    __tablename__ = "case_reporter"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    original_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    reported_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    notified_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class CitizenFeedback(Base):
    """群众评价: the reporter's word on one closing of a case — fixed or not (确认已解决 / 未解决) and
    how satisfied (满意 / 基本满意 / 不满意); once per reported case and closing."""

    __tablename__ = "case_feedback"
    __table_args__ = (UniqueConstraint("reported_case_id", "closing"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)  # handled (master)
    reported_case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))  # whose code gave it
    closing: Mapped[int] = mapped_column(Integer)  # the handled case's reopen count then (0: first)
    resolved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    proof: Mapped[str] = mapped_column(String(16))  # account 本人账号 | phone 查询码+手机尾号
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)


class Supervision(Base):
    """督办 (formal supervision) or 催办 (reminder) opened by a supervisor on a case."""

    __tablename__ = "case_supervision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # supervise | remind
    note: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class KnowledgeArticle(Base):
    """An answer in the hotline knowledge base (知识库) for consultations answered at once."""

    __tablename__ = "knowledge_article"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(String(300))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))


class Open311Client(Base):
    """A client application allowed to POST requests through Open311 (issued API key, hash only)."""

    __tablename__ = "open311_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


def _install_search_after_create(target, connection, **_kw) -> None:  # type: ignore[no-untyped-def]
    from smartgov.cases.search import install_search

    install_search(connection)


from sqlalchemy import event as _event  # noqa: E402

_event.listen(Case.__table__, "after_create", _install_search_after_create)
