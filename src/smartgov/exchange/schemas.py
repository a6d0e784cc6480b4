"""Pydantic models of the exchange API (input and output)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from smartgov.params import Id, Version


class RequestIn(BaseModel):
    """A sharing request (共享申请)."""

    resource_id: Id
    purpose: str = Field(min_length=1, max_length=2000, description="用途")
    legal_basis: str = Field(min_length=1, max_length=2000, description="依据")
    fields: list[str] = Field(min_length=1, max_length=100, description="所需信息项")
    plain_fields: list[str] = Field(default_factory=list, max_length=100, description="申请明文的个人信息项")
    duration_days: int = Field(ge=1, le=1095, description="使用期限（天）")


class ActionIn(BaseModel):
    """Answer or withdraw a request; a refusal needs its reasons in ``note``."""

    version: Version | None = None
    note: str | None = Field(None, max_length=2000)


class RequestOut(BaseModel):
    id: int
    resource_code: str
    resource_name: str
    consumer_department_id: int
    fields: list[str]
    plain_fields: list[str]
    status: str
    status_label: str
    due_at: datetime | None
    warning_level: int
    reason: str | None
    version: int


class ItemOut(BaseModel):
    name: str
    label: str
    data_type: str
    personal: bool


class ResourceOut(BaseModel):
    id: int
    code: str
    name: str
    classification: str
    provider_department_id: int
    summary: str
    format: str
    share_type: str
    share_type_label: str
    share_conditions: str | None
    open_type: str
    update_cycle: str
    published_on: date
    items: list[ItemOut]


class RecordsOut(BaseModel):
    """Records as the consumer's grants allow: only granted fields, personal ones masked unless named."""

    resource: str
    name: str
    total: int
    fields: list[dict[str, Any]]
    records: list[dict[str, Any]]


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    per_minute: int = Field(60, ge=1, le=6000)


class LogOut(BaseModel):
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
