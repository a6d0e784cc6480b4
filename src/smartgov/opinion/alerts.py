"""预警规则: the rules (data in ``opinion_alert_rule``) checked on each processed batch.

Kinds: ``sensitive`` (a sensitive category matched, at least ``min_sensitivity``), ``surge`` (a topic's
items in the last hour exceed ``factor`` × its hourly baseline over the day before, and at least
``min_items``), ``negative_share`` (a topic of at least ``min_items`` with a 负面 share above
``level``), ``key_account`` (a 重点账号 posting on a watched subject: any of ``keywords``, or any
sensitive match when none are given). An alert lands in every 舆情监测员's inbox in the same
transaction, with its evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartgov.auth.models import User, UserRole
from smartgov.auth.roles import Role
from smartgov.inbox import service as inbox
from smartgov.opinion.models import (
    ALERT_SUBJECT,
    AlertRule,
    OpinionAccount,
    OpinionAlert,
    OpinionItem,
    OpinionTopic,
)
from smartgov.opinion.subjects import normalise
from smartgov.opinion.words import category_label

RULE_KINDS: dict[str, str] = {
    "sensitive": "敏感信息",
    "surge": "话题突增",
    "negative_share": "负面占比",
    "key_account": "重点账号",
}
LEVELS = ("一般", "较重", "严重")
ALERT_KIND = "opinion_alert"
BASELINE_HOURS = 24

DEFAULT_RULES: tuple[tuple[str, str, dict, str], ...] = (
    (
        "涉稳、群体性事件信息",
        "sensitive",
        {"categories": ["stability", "mass_incident"], "min_sensitivity": 40},
        "严重",
    ),
    (
        "贪污腐败、社会治安信息",
        "sensitive",
        {"categories": ["corruption", "public_security"], "min_sensitivity": 40},
        "较重",
    ),
    ("话题一小时内突增", "surge", {"factor": 3.0, "min_items": 5}, "较重"),
    ("话题负面占比过高", "negative_share", {"level": 0.7, "min_items": 10}, "一般"),
    ("重点账号发布敏感信息", "key_account", {"keywords": []}, "较重"),
)


def officers(session: Session) -> list[int]:
    """舆情监测员 accounts that are active: who receives the alerts."""
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == str(Role.OPINION_OFFICER), User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def raise_alert(
    session: Session,
    *,
    rule: AlertRule,
    title: str,
    evidence: dict,
    dedupe_key: str,
    at: datetime,
    item: OpinionItem | None = None,
    topic_id: int | None = None,
    recipients: list[int] | None = None,
) -> OpinionAlert | None:
    """One alert per rule and subject (the dedupe key); notifies the officers. None when already raised."""
    if session.scalar(select(OpinionAlert.id).where(OpinionAlert.dedupe_key == dedupe_key)) is not None:
        return None
    alert = OpinionAlert(
        rule_id=rule.id,
        kind=rule.kind,
        level=rule.level,
        title=title[:300],
        evidence=evidence,
        item_id=item.id if item else None,
        topic_id=topic_id,
        dedupe_key=dedupe_key,
        status="open",
        created_at=at,
        street_id=item.street_id if item else None,
        grid_id=item.grid_id if item else None,
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None  # raised by another worker a moment ago
    message = f"【舆情预警·{rule.level}】{RULE_KINDS.get(rule.kind, rule.kind)}：{alert.title}"
    for user_id in recipients if recipients is not None else officers(session):
        inbox.notify(
            session,
            kind=ALERT_KIND,
            message=message[:500],
            user_id=user_id,
            subject_type=ALERT_SUBJECT,
            subject_id=alert.id,
        )
    return alert


def _item_title(item: OpinionItem) -> str:
    return (item.title or item.content or "")[:60]


def check(
    session: Session, items: Sequence[OpinionItem], topic_ids: Sequence[int], at: datetime
) -> list[OpinionAlert]:
    """Check the active rules against a processed batch and the topics it touched."""
    recipients = officers(session)
    rules = session.scalars(
        select(AlertRule).where(AlertRule.is_active.is_(True)).order_by(AlertRule.id)
    ).all()
    raised: list[OpinionAlert] = []
    keyed: dict[int, bool] = {}
    account_ids = {i.account_id for i in items if i.account_id}
    if account_ids:
        keyed = dict(
            session.execute(
                select(OpinionAccount.id, OpinionAccount.is_key).where(OpinionAccount.id.in_(account_ids))
            ).all()
        )
    for rule in rules:
        params = rule.params or {}
        found: list[tuple[OpinionItem, str, dict]] = []  # item, title, evidence of an item rule
        if rule.kind == "sensitive":
            wanted = set(params.get("categories") or [])
            floor = int(params.get("min_sensitivity", 0))
            for item in items:
                hits = [h for h in (item.sensitive or []) if not wanted or h["category"] in wanted]
                if hits and item.sensitivity >= floor and item.duplicate_of_id is None:
                    cats = "、".join(sorted({category_label(h["category"]) for h in hits}))
                    found.append(
                        (
                            item,
                            f"{cats}：{_item_title(item)}",
                            {"hits": hits, "sensitivity": item.sensitivity},
                        )
                    )
        elif rule.kind == "key_account":
            words = [normalise(w) for w in params.get("keywords") or [] if normalise(w)]
            for item in items:
                if not item.account_id or not keyed.get(item.account_id):
                    continue
                text = normalise(f"{item.title or ''}{item.content}")
                watched = (
                    [w for w in words if w in text] if words else [h["term"] for h in item.sensitive or []]
                )
                if watched:
                    found.append(
                        (
                            item,
                            f"重点账号 {item.author or ''}：{_item_title(item)}",
                            {"account_id": item.account_id, "words": watched},
                        )
                    )
        for item, title, evidence in found:
            alert = raise_alert(
                session,
                recipients=recipients,
                rule=rule,
                title=title,
                at=at,
                item=item,
                topic_id=item.topic_id,
                dedupe_key=f"r{rule.id}:i{item.id}",
                evidence={
                    "item_id": item.id,
                    "url": item.url,
                    **evidence,
                    "excerpt": (item.content or "")[:200],
                },
            )
            if alert:
                raised.append(alert)
        if rule.kind in ("surge", "negative_share") and topic_ids:
            raised += _topic_rules(session, rule, topic_ids, at, recipients)
    return raised


def topic_volumes(
    session: Session, topic_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, int]:
    """Items per topic published in [start, end)."""
    return dict(
        session.execute(
            select(OpinionItem.topic_id, func.count())
            .where(
                OpinionItem.topic_id.in_(list(topic_ids)),
                OpinionItem.published_at >= start,
                OpinionItem.published_at < end,
            )
            .group_by(OpinionItem.topic_id)
        ).all()
    )


def _topic_rules(
    session: Session, rule: AlertRule, topic_ids: Sequence[int], at: datetime, recipients: list[int]
) -> list[OpinionAlert]:
    params = rule.params or {}
    min_items = int(params.get("min_items", 5))
    raised: list[OpinionAlert] = []
    hour_key = at.strftime("%Y%m%d%H")
    recent: dict[int, int] = {}
    earlier: dict[int, int] = {}
    if rule.kind == "surge":
        recent = topic_volumes(session, topic_ids, at - timedelta(hours=1), at + timedelta(minutes=1))
        earlier = (
            topic_volumes(
                session, list(recent), at - timedelta(hours=1 + BASELINE_HOURS), at - timedelta(hours=1)
            )
            if recent
            else {}
        )
    for topic in session.scalars(
        select(OpinionTopic).where(OpinionTopic.id.in_(topic_ids), OpinionTopic.status == "active")
    ).all():
        if rule.kind == "surge":
            last_hour = recent.get(topic.id, 0)
            before = earlier.get(topic.id, 0)
            baseline = before / BASELINE_HOURS
            factor = float(params.get("factor", 3.0))
            if last_hour >= min_items and last_hour > factor * max(baseline, 1.0 / BASELINE_HOURS):
                alert = raise_alert(
                    session,
                    recipients=recipients,
                    rule=rule,
                    title=f"话题「{topic.label}」一小时内新增 {last_hour} 条",
                    at=at,
                    topic_id=topic.id,
                    dedupe_key=f"r{rule.id}:t{topic.id}:{hour_key}",
                    evidence={
                        "topic_id": topic.id,
                        "last_hour": last_hour,
                        "baseline_per_hour": round(baseline, 2),
                        "factor": factor,
                    },
                )
                if alert:
                    raised.append(alert)
        else:
            level = float(params.get("level", 0.7))
            share = topic.negative_count / topic.item_count if topic.item_count else 0.0
            if topic.item_count >= min_items and share > level:
                alert = raise_alert(
                    session,
                    recipients=recipients,
                    rule=rule,
                    title=f"话题「{topic.label}」负面占比 {share:.0%}",
                    at=at,
                    topic_id=topic.id,
                    dedupe_key=f"r{rule.id}:t{topic.id}:{at.strftime('%Y%m%d')}",
                    evidence={
                        "topic_id": topic.id,
                        "negative": topic.negative_count,
                        "items": topic.item_count,
                        "share": round(share, 3),
                        "level": level,
                    },
                )
                if alert:
                    raised.append(alert)
    return raised
