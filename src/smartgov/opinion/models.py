"""Tables of 舆情监测: sources, items, accounts, topics, sensitive words, alert rules, alerts, 专题."""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now

ALERT_SUBJECT = "opinion_alert"  # subject type of an alert in the inbox and audit log
SUBJECT_SUBJECT = "opinion_subject"  # subject type of a 专题


class OpinionSource(Base):
    """信息源: where items come from (RSS/Atom feed, web page, partner push, file import, own channel)."""

    __tablename__ = "opinion_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # rss | web | push | import | platform
    channel: Mapped[str] = mapped_column(String(16), default="news")  # 媒体渠道: news, weibo, forum …
    url: Mapped[str | None] = mapped_column(String(500))
    # web: {"list": css selector of item links, "title": …, "content": …, "time": …}
    settings: Mapped[dict | None] = mapped_column(JSON)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_polled_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)


class OpinionAccount(Base):
    """发布账号: a public account seen on a platform; 重点账号 when marked key (media, official …)."""

    __tablename__ = "opinion_account"
    __table_args__ = (UniqueConstraint("platform", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="public")  # media | official | influencer | public
    followers: Mapped[int] = mapped_column(Integer, default=0)
    location: Mapped[str | None] = mapped_column(String(100))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)


class OpinionTopic(Base):
    """话题: a cluster of items found by single-pass clustering, labelled by its top keywords."""

    __tablename__ = "opinion_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    centroid: Mapped[dict] = mapped_column(JSON, default=dict)  # term → weight (L2-normalised)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    negative_count: Mapped[int] = mapped_column(Integer, default=0)
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active | cold | merged
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_topic.id"))
    first_at: Mapped[datetime] = mapped_column(AwareDateTime())
    last_at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)


class OpinionItem(Base):
    """舆情信息: one collected post or article with what the pipeline found in it."""

    __tablename__ = "opinion_item"
    __table_args__ = (
        UniqueConstraint("source_id", "external_key"),
        Index("ix_opinion_item_published", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("opinion_source.id"), index=True)
    external_key: Mapped[str] = mapped_column(String(64))  # hash of the URL or the partner's id
    url: Mapped[str | None] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    author_location: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_account.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(AwareDateTime())
    collected_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    # What the pipeline found (分析结果); processed_at is empty until it ran.
    processed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    keywords: Mapped[list | None] = mapped_column(JSON)
    sensitive: Mapped[list | None] = mapped_column(JSON)  # [{"category": …, "term": …, "matched": …}]
    sensitivity: Mapped[int] = mapped_column(Integer, default=0)  # 敏感度 0-100
    sentiment: Mapped[float | None] = mapped_column(Float)  # probability of positive
    polarity: Mapped[str | None] = mapped_column(String(16), index=True)  # positive | neutral | negative
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_item.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_topic.id"), index=True)
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    place: Mapped[str | None] = mapped_column(String(100))  # the place name found (识别地点)


class SensitiveTerm(Base):
    """敏感词: a term of a category (维稳, 群体性事件, 贪污腐败, 社会治安 or a custom one)."""

    __tablename__ = "opinion_sensitive_term"
    __table_args__ = (UniqueConstraint("term", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32), index=True)
    weight: Mapped[int] = mapped_column(Integer, default=50)  # 敏感度 of a match, 1-100
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class AlertRule(Base):
    """预警规则 as data: kind sensitive | surge | negative_share | key_account, with its parameters."""

    __tablename__ = "opinion_alert_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    level: Mapped[str] = mapped_column(String(8), default="一般")  # 一般 | 较重 | 严重
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class OpinionAlert(Base):
    """舆情预警: what a rule found, with its evidence, and how the officer handled it."""

    __tablename__ = "opinion_alert"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_alert_rule.id"))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8), default="一般")
    title: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_item.id"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_topic.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_subject.id"))
    dedupe_key: Mapped[str] = mapped_column(String(100))  # one alert per rule and item / topic-hour
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    case_id: Mapped[int | None] = mapped_column(Integer)  # the case made from it (一网统管)
    case_no: Mapped[str | None] = mapped_column(String(64))
    response: Mapped[str | None] = mapped_column(Text)  # 官方回应
    note: Mapped[str | None] = mapped_column(Text)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class OpinionSubject(Base):
    """专题: a subject followed by keywords and a boolean expression (与 或 非)."""

    __tablename__ = "opinion_subject"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    expression: Mapped[str] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)


class SubjectItem(Base):
    """专题命中: an item that matches a 专题's expression."""

    __tablename__ = "opinion_subject_item"

    subject_id: Mapped[int] = mapped_column(ForeignKey("opinion_subject.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("opinion_item.id"), primary_key=True, index=True)


class OpinionSetting(Base):
    """舆情参数: weights and thresholds a city changes (热度权重, 传播指数权重, 保留期限 …) by key."""

    __tablename__ = "opinion_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)


class OpinionReport(Base):
    """舆情报告: a daily, weekly or special report generated by a job, kept as a PDF and a workbook."""

    __tablename__ = "opinion_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily | weekly | special
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[datetime] = mapped_column(AwareDateTime())
    period_end: Mapped[datetime] = mapped_column(AwareDateTime())
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    workbook: Mapped[bytes] = mapped_column(LargeBinary)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)  # the PDF
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now, index=True)
