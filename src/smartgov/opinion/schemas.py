"""Pydantic models of the 舆情 API (input and output)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CHANNELS = Literal["news", "weibo", "wechat", "video", "forum", "government", "platform", "other"]


class ItemIn(BaseModel):
    """One post or article pushed by a partner or read from an import file (舆情信息)."""

    url: str | None = Field(None, max_length=1000, description="原文地址")
    external_id: str | None = Field(None, max_length=200, description="来源方编号 (when there is no URL)")
    title: str | None = Field(None, max_length=300)
    content: str = Field(..., min_length=1, max_length=20_000, description="正文")
    author: str | None = Field(None, max_length=100, description="发布账号")
    author_platform: str | None = Field(None, max_length=32, description="账号所在平台")
    author_location: str | None = Field(None, max_length=100, description="账号所在地")
    published_at: datetime | None = Field(None, description="发布时间 (with a timezone; default now)")
    reposts: int = Field(0, ge=0, le=2_000_000_000, description="转发数")
    comments: int = Field(0, ge=0, le=2_000_000_000, description="评论数")
    likes: int = Field(0, ge=0, le=2_000_000_000, description="点赞数")


class PushIn(BaseModel):
    """A partner's push (数据推送): up to 1,000 items for one source."""

    source_code: str = Field(..., min_length=1, max_length=64, description="信息源编码")
    items: list[ItemIn] = Field(..., min_length=1, max_length=1000)


class PushResult(BaseModel):
    received: int
    stored: int = Field(description="新入库条数 (the same item from the same URL is stored once)")
    duplicates: int


class SourceIn(BaseModel):
    """A source as data (信息源)."""

    code: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(..., min_length=1, max_length=100)
    kind: Literal["rss", "web", "push", "import", "platform"]
    channel: CHANNELS = "news"
    url: str | None = Field(None, max_length=500, pattern=r"^https?://")
    settings: dict[str, str] | None = None
    interval_minutes: int = Field(30, ge=1, le=10_080)
    is_active: bool = True


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    url: str | None
    title: str | None
    content: str
    author: str | None
    published_at: datetime
    reposts: int
    comments: int
    likes: int
    processed_at: datetime | None
    sensitive: list | None
    sensitivity: int
    sentiment: float | None
    polarity: str | None
    duplicate_of_id: int | None
    topic_id: int | None
    heat: float
    place: str | None


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    level: str
    title: str
    evidence: dict
    item_id: int | None
    topic_id: int | None
    status: str
    case_id: int | None
    case_no: str | None
    response: str | None
    created_at: datetime


class AlertAction(BaseModel):
    """The officer's handling of an alert (预警处置)."""

    action: Literal["dismiss", "follow", "case", "respond"]
    note: str | None = Field(None, max_length=2000, description="说明 / 官方回应内容")
    category_code: str | None = Field(None, max_length=32, description="转案件时的案件小类编码")


class SubjectIn(BaseModel):
    """A 专题: a name and a boolean keyword expression."""

    name: str = Field(..., min_length=1, max_length=100)
    expression: str = Field(
        ..., min_length=1, max_length=500, description="关键词表达式：+ 与、| 或、- 非、括号"
    )


class TermIn(BaseModel):
    term: str = Field(..., min_length=1, max_length=64)
    category: str = Field(..., min_length=1, max_length=32)
    weight: int = Field(50, ge=1, le=100)
