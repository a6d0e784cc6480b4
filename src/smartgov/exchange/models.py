"""Tables of the exchange: resources and data items, requests, grants, consumer keys, the log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartgov.db import AwareDateTime, Base


class Resource(Base):
    """A shareable information resource of the catalogue (政务信息资源目录条目)."""

    __tablename__ = "xch_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # 资源代码
    name: Mapped[str] = mapped_column(String(100))
    classification: Mapped[str] = mapped_column(String(32))  # 基础信息资源 / 主题信息资源 / 部门信息资源
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(16))  # 数据库, 接口, 电子文件 …
    share_type: Mapped[str] = mapped_column(String(16))  # unconditional / conditional / none
    share_conditions: Mapped[str | None] = mapped_column(Text)
    open_type: Mapped[str] = mapped_column(String(16))  # 不予开放 / 有条件开放 / 无条件开放
    update_cycle: Mapped[str] = mapped_column(String(16))  # 实时, 每日, 每月 …
    published_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32))  # registry.person, registry.entity, registry.house, table
    view_filter: Mapped[dict] = mapped_column(JSON, default=dict)  # a view: {"tag": "独居老人"}
    answer_limit: Mapped[str] = mapped_column(String(16), default="5wd")  # 答复时限

    items: Mapped[list[DataItem]] = relationship(order_by="DataItem.id", lazy="selectin")


class DataItem(Base):
    """A data item (信息项) of a resource: name, type, whether it is personal data and of which kind."""

    __tablename__ = "xch_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("xch_resource.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    data_type: Mapped[str] = mapped_column(String(16))  # 字符型, 日期型, 数值型, 列表
    personal_kind: Mapped[str | None] = mapped_column(String(16))  # phone, id_number, name, address


class ExchangeRequest(Base):
    """A department's request for a resource (共享申请): purpose, legal basis, fields, duration."""

    __tablename__ = "xch_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("xch_resource.id"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    fields: Mapped[list] = mapped_column(JSON)
    plain_fields: Mapped[list] = mapped_column(JSON, default=list)  # personal fields asked unmasked
    duration_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # 拒绝理由 or the approver's note
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    warning_level: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    resource: Mapped[Resource] = relationship(lazy="joined")


class Grant(Base):
    """Permission (授权) of one consumer department to one field of one resource until it expires."""

    __tablename__ = "xch_grant"
    __table_args__ = (Index("ix_xch_grant_consumer_resource", "consumer_department_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("xch_request.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("xch_resource.id"))
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    field: Mapped[str] = mapped_column(String(64))
    plain: Mapped[bool] = mapped_column(Boolean, default=False)  # personal data shown unmasked
    granted_at: Mapped[datetime] = mapped_column(AwareDateTime())
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class ConsumerKey(Base):
    """A consumer department's API key (接口密钥); only its hash is kept."""

    __tablename__ = "xch_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    per_minute: Mapped[int] = mapped_column(Integer, default=60)  # 限流：每分钟最多调用次数
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class LogEntry(Base):
    """One exchange (交换日志), append-only and hash-chained to the entry before it."""

    __tablename__ = "xch_log"
    __table_args__ = (Index("ix_xch_log_consumer_at", "consumer_department_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    consumer_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))  # api, page, service
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    record_keys: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(16))  # ok, denied, rate_limited, not_found
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
