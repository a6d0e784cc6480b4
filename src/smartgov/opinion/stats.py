"""专题 and 话题 figures for charts: volume over time, sentiment share, sources, regions, top items and
accounts, spread curve, and the 传播指数 of a topic."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.principal import Principal
from smartgov.db import now
from smartgov.errors import NotFound
from smartgov.opinion import heat
from smartgov.opinion.models import (
    OpinionAccount,
    OpinionItem,
    OpinionSource,
    OpinionSubject,
    OpinionTopic,
    SubjectItem,
)
from smartgov.opinion.pipeline import setting
from smartgov.opinion.sentiment import POLARITY_LABELS
from smartgov.org.models import Area

MAX_ITEMS = 20_000


def _figures(session: Session, items: list[OpinionItem]) -> dict[str, Any]:
    by_day = Counter(i.published_at.strftime("%Y-%m-%d") for i in items)
    days = sorted(by_day)
    cumulative, running = [], 0
    for d in days:
        running += by_day[d]
        cumulative.append(running)
    sources = {s.id: s.name for s in session.scalars(select(OpinionSource))}
    street_ids = {i.street_id for i in items if i.street_id}
    streets = (
        {a.id: a.name for a in session.scalars(select(Area).where(Area.id.in_(street_ids)))}
        if street_ids
        else {}
    )
    account_ids = Counter(i.account_id for i in items if i.account_id)
    accounts = {
        a.id: a
        for a in session.scalars(select(OpinionAccount).where(OpinionAccount.id.in_(list(account_ids))))
    }
    polarity = Counter(i.polarity or "neutral" for i in items)
    top = sorted(items, key=lambda i: (-i.heat, -i.id))[:10]
    return {
        "total": len(items),
        "volume": {"days": days, "counts": [by_day[d] for d in days]},
        "spread": {"days": days, "cumulative": cumulative},
        "sentiment": [{"name": POLARITY_LABELS[k], "value": polarity.get(k, 0)} for k in POLARITY_LABELS],
        "sources": [
            {"name": sources.get(k, "未知"), "value": v}
            for k, v in Counter(i.source_id for i in items).most_common(10)
        ],
        "regions": [
            {"name": streets.get(k, "未识别"), "value": v}
            for k, v in Counter(i.street_id for i in items).most_common(10)
        ],
        "top_items": [
            {"id": i.id, "title": (i.title or i.content)[:60], "heat": i.heat, "url": i.url} for i in top
        ],
        "top_accounts": [
            {"id": k, "name": accounts[k].name if k in accounts else "", "count": v}
            for k, v in account_ids.most_common(10)
        ],
    }


def subject_report(session: Session, subject_id: int, principal: Principal) -> dict[str, Any]:
    """专题图表 data."""
    from smartgov.opinion.service import READERS

    principal.require_any(*READERS)
    subject = session.get(OpinionSubject, subject_id)
    if subject is None:
        raise NotFound("专题不存在", code="not_found")
    items = list(
        session.scalars(
            select(OpinionItem)
            .join(SubjectItem, SubjectItem.item_id == OpinionItem.id)
            .where(SubjectItem.subject_id == subject_id)
            .order_by(OpinionItem.published_at.desc())
            .limit(MAX_ITEMS)
        )
    )
    return {
        "id": subject.id,
        "name": subject.name,
        "expression": subject.expression,
        **_figures(session, items),
    }


def topic_report(
    session: Session, topic_id: int, principal: Principal, at: datetime | None = None
) -> dict[str, Any]:
    """话题 figures with its 传播指数 (channel, region, sensitivity, speed, reach)."""
    from smartgov.opinion.service import READERS

    principal.require_any(*READERS)
    topic = session.get(OpinionTopic, topic_id)
    if topic is None:
        raise NotFound("话题不存在", code="not_found")
    at = at or now()
    items = list(
        session.scalars(
            select(OpinionItem)
            .where(OpinionItem.topic_id == topic_id)
            .order_by(OpinionItem.published_at.desc())
            .limit(MAX_ITEMS)
        )
    )
    return {
        "id": topic.id,
        "label": topic.label,
        "status": topic.status,
        "heat": topic.heat,
        "spread_index": spread_of(session, items, at),
        **_figures(session, items),
    }


def spread_of(session: Session, items: list[OpinionItem], at: datetime) -> dict[str, float]:
    """传播评价 of a group of items: its main channel, whether located, top sensitivity, items in the
    last hour and growth over the hour before, total reach."""
    if not items:
        return heat.spread_index(channel="other", located=False, sensitivity=0, per_hour=0, growth=0, reach=0)
    channels = {s.id: s.channel for s in session.scalars(select(OpinionSource))}
    channel = Counter(channels.get(i.source_id, "other") for i in items).most_common(1)[0][0]
    last = sum(1 for i in items if at - timedelta(hours=1) <= i.published_at <= at)
    before = sum(1 for i in items if at - timedelta(hours=2) <= i.published_at < at - timedelta(hours=1))
    return heat.spread_index(
        channel=channel,
        located=any(i.street_id for i in items),
        sensitivity=max(i.sensitivity for i in items),
        per_hour=float(last),
        growth=(last / before) if before else float(last > 0),
        reach=sum(i.reposts + i.comments + i.likes for i in items),
        weights=setting(session, "spread", heat.SPREAD_WEIGHTS),
    )


def account_report(session: Session, account_id: int, principal: Principal) -> dict[str, Any]:
    """重点账号 over time: posts (activity), interactions (reach) and mean 正面 probability (stance)."""
    from smartgov.opinion.service import HANDLERS

    principal.require_any(*HANDLERS)
    account = session.get(OpinionAccount, account_id)
    if account is None or not account.is_key:
        raise NotFound("重点账号不存在", code="not_found")
    items = list(
        session.scalars(
            select(OpinionItem)
            .where(OpinionItem.account_id == account_id)
            .order_by(OpinionItem.published_at)
            .limit(MAX_ITEMS)
        )
    )
    days: dict[str, list[OpinionItem]] = {}
    for item in items:
        days.setdefault(item.published_at.strftime("%Y-%m-%d"), []).append(item)
    scored = {d: [i.sentiment for i in rows if i.sentiment is not None] for d, rows in days.items()}
    return {
        "id": account.id,
        "name": account.name,
        "platform": account.platform,
        "kind": account.kind,
        "followers": account.followers,
        "total": len(items),
        "days": list(days),
        "posts": [len(rows) for rows in days.values()],
        "reach": [sum(i.reposts + i.comments + i.likes for i in rows) for rows in days.values()],
        "stance": [round(sum(s) / len(s), 3) if s else None for s in scored.values()],
    }
