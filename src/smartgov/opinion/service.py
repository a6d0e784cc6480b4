"""舆情 operations: sources, intake of items (push, file import, collection), alert handling and the
alert → case step through the case hub's one intake, 专题, word lists, search."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from smartgov import jobs
from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases import service as cases
from smartgov.cases.schemas import CaseIntake, Source
from smartgov.db import now
from smartgov.errors import Conflict, NotFound, ValidationFailed
from smartgov.opinion import alerts as alert_rules
from smartgov.opinion.models import (
    ALERT_SUBJECT,
    AlertRule,
    OpinionAccount,
    OpinionAlert,
    OpinionItem,
    OpinionSource,
    OpinionSubject,
    SensitiveTerm,
    SubjectItem,
)
from smartgov.opinion.schemas import ItemIn, PushResult, SourceIn, SubjectIn
from smartgov.opinion.subjects import parse
from smartgov.opinion.words import CATEGORY_LABELS
from smartgov.org.models import Area
from smartgov.workclock.sweeper import lock_subject

PROCESS_TASK = "opinion.process"
PROCESS_BATCH = 500
READERS = (Role.OPINION_OFFICER, Role.LEADER, Role.SYSTEM_ADMIN)
HANDLERS = (Role.OPINION_OFFICER,)
ADMINS = (Role.OPINION_OFFICER, Role.SYSTEM_ADMIN)
ALERT_STATUS_LABELS = {
    "open": "待处置",
    "dismissed": "已忽略",
    "following": "专题跟踪",
    "case": "已转案件",
    "responded": "已回应",
}
ALERT_MOVES: dict[str, tuple[str, ...]] = {  # action → states it may start from
    "dismiss": ("open",),
    "follow": ("open",),
    "case": ("open", "following"),
    "respond": ("open", "following", "case"),
}
ACTION_STATUS = {"dismiss": "dismissed", "follow": "following", "case": "case", "respond": "responded"}
SOURCE_KIND_LABELS = {
    "rss": "RSS/Atom 订阅",
    "web": "网页采集",
    "push": "合作方推送",
    "import": "文件导入",
    "platform": "平台渠道",
}
MAX_IMPORT_ROWS = 50_000
MAX_IMPORT_BYTES = 20 * 1024 * 1024
IMPORT_TYPES = (".csv", ".jsonl", ".json")

audit.register_labels(
    {
        "opinion.push": "舆情数据推送",
        "opinion.import": "导入舆情数据",
        "opinion.source": "保存信息源",
        "opinion.alert.dismiss": "忽略舆情预警",
        "opinion.alert.follow": "预警转专题跟踪",
        "opinion.alert.case": "舆情预警转案件",
        "opinion.alert.respond": "发布官方回应",
        "opinion.subject": "新建专题",
        "opinion.words.import": "导入敏感词",
        "opinion.words.export": "导出敏感词",
        "opinion.account.view": "查看重点账号",
        "opinion.report.download": "下载舆情报告",
        "opinion.rule": "修改预警规则",
        "opinion.search.export": "导出舆情检索结果",
    },
    objects={
        "opinion_source": "信息源",
        ALERT_SUBJECT: "舆情预警",
        "opinion_subject": "专题",
        "opinion_account": "发布账号",
        "opinion_term": "敏感词",
        "opinion_report": "舆情报告",
        "opinion_rule": "预警规则",
    },
)


def require(principal: Principal, roles: Sequence[Role]) -> None:
    principal.require_any(*roles)


# --- sources and intake -------------------------------------------------------------------------


def source_by_code(session: Session, code: str) -> OpinionSource:
    source = session.scalar(select(OpinionSource).where(OpinionSource.code == code))
    if source is None:
        raise NotFound(f"信息源不存在：{code}", code="unknown_source")
    return source


def save_source(session: Session, data: SourceIn, principal: Principal) -> OpinionSource:
    """新建或修改信息源 (by code); a feed or page needs its URL."""
    require(principal, ADMINS)
    if data.kind in ("rss", "web") and not data.url:
        raise ValidationFailed("RSS 订阅和网页采集需要填写地址", code="url_required")
    source = session.scalar(select(OpinionSource).where(OpinionSource.code == data.code))
    if source is None:
        source = OpinionSource(code=data.code, created_at=now())
        session.add(source)
    for field in ("name", "kind", "channel", "url", "settings", "interval_minutes", "is_active"):
        setattr(source, field, getattr(data, field))
    session.flush()
    audit.record(
        session,
        principal=principal,
        action="opinion.source",
        object_type="opinion_source",
        object_id=source.id,
        detail={"code": data.code, "kind": data.kind},
    )
    session.commit()
    return source


def external_key(source_id: int, data: ItemIn) -> str:
    """去重键: the URL, else the partner's id, else the text itself — hashed (same item stored once)."""
    basis = data.url or (
        f"id:{data.external_id}" if data.external_id else f"text:{data.title or ''}\n{data.content}"
    )
    return hashlib.sha256(basis.strip().encode()).hexdigest()[:64]


def _account(
    session: Session, cache: dict[tuple[str, str], int], platform: str, handle: str, location: str | None
) -> int:
    key = (platform, handle)
    if key not in cache:
        account = session.scalar(
            select(OpinionAccount).where(OpinionAccount.platform == platform, OpinionAccount.handle == handle)
        )
        if account is None:
            account = OpinionAccount(
                platform=platform, handle=handle, name=handle, location=location, created_at=now()
            )
            session.add(account)
            session.flush()
        cache[key] = account.id
    return cache[key]


def store_items(
    session: Session, source: OpinionSource, items: Iterable[ItemIn], at: datetime | None = None
) -> PushResult:
    """入库: new items of a source (once per URL / id) with the pipeline queued as jobs in the same
    transaction; the caller commits."""
    at = at or now()
    rows = list(items)
    keys = [external_key(source.id, d) for d in rows]
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known |= set(
            session.scalars(
                select(OpinionItem.external_key).where(
                    OpinionItem.source_id == source.id, OpinionItem.external_key.in_(chunk)
                )
            )
        )
    accounts: dict[tuple[str, str], int] = {}
    new_items: list[OpinionItem] = []
    for data, key in zip(rows, keys, strict=True):
        if key in known:
            continue
        known.add(key)
        account_id = None
        if data.author:
            account_id = _account(
                session, accounts, data.author_platform or source.channel, data.author, data.author_location
            )
        published = data.published_at or at
        if published.tzinfo is None:
            raise ValidationFailed("发布时间需带时区 (e.g. 2026-11-30T10:00:00+08:00)", code="naive_time")
        item = OpinionItem(
            source_id=source.id,
            external_key=key,
            url=data.url,
            title=data.title,
            content=data.content,
            author=data.author,
            author_location=data.author_location,
            account_id=account_id,
            published_at=published,
            collected_at=at,
            reposts=data.reposts,
            comments=data.comments,
            likes=data.likes,
        )
        session.add(item)
        new_items.append(item)
    session.flush()
    ids = [i.id for i in new_items]
    for start in range(0, len(ids), PROCESS_BATCH):
        jobs.enqueue(session, PROCESS_TASK, item_ids=ids[start : start + PROCESS_BATCH])
    return PushResult(received=len(rows), stored=len(ids), duplicates=len(rows) - len(ids))


def push(
    session: Session,
    source_code: str,
    items: Sequence[ItemIn],
    principal: Principal,
    client_addr: str | None = None,
) -> PushResult:
    """合作方推送 (HTTP push API): items for a push or import source."""
    require(principal, ADMINS)
    source = source_by_code(session, source_code)
    if not source.is_active:
        raise Conflict("该信息源已停用", code="source_inactive")
    result = store_items(session, source, items)
    audit.record(
        session,
        principal=principal,
        action="opinion.push",
        object_type="opinion_source",
        object_id=source.id,
        client_addr=client_addr,
        detail=result.model_dump(),
    )
    session.commit()
    return result


def parse_import(content: bytes, filename: str) -> list[ItemIn]:
    """CSV (header row: content, title, url, author, published_at, reposts, comments, likes …) or JSONL
    (one object a line); a bad row is a 422 naming its line."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("文件需为 UTF-8 编码", code="bad_encoding") from exc
    rows: list[dict[str, Any]] = []
    if filename.lower().endswith((".jsonl", ".json")):
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    raise ValidationFailed(f"第 {n} 行不是有效的 JSON", code="bad_row") from exc
                if not isinstance(value, dict):
                    raise ValidationFailed(f"第 {n} 行应为一个对象", code="bad_row")
                rows.append(value)
    else:
        rows = [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(f"一次最多导入 {MAX_IMPORT_ROWS} 条", code="too_many_rows")
    items: list[ItemIn] = []
    for n, row in enumerate(rows, 1):
        values = {k: v for k, v in row.items() if k and v not in (None, "")}
        try:
            items.append(ItemIn.model_validate(values))
        except ValidationError as exc:
            field = ".".join(str(p) for p in exc.errors()[0].get("loc", ()))
            raise ValidationFailed(f"第 {n} 条数据有误（字段 {field}）", code="bad_row") from exc
    if not items:
        raise ValidationFailed("文件中没有数据", code="empty_file")
    return items


def import_file(
    session: Session, source_code: str, content: bytes, filename: str, principal: Principal
) -> PushResult:
    """导入 exported social-media data (CSV/JSONL, at most 20 MB: read ``MAX_IMPORT_BYTES + 1`` bytes)
    into a source."""
    require(principal, ADMINS)
    filename = filename.lower()
    if not filename.endswith(IMPORT_TYPES):
        raise ValidationFailed("只能导入 CSV 或 JSONL 文件", code="bad_file_type")
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed("文件不能超过 20 MB", code="file_too_large")
    source = source_by_code(session, source_code)
    result = store_items(session, source, parse_import(content, filename))
    audit.record(
        session,
        principal=principal,
        action="opinion.import",
        object_type="opinion_source",
        object_id=source.id,
        detail={**result.model_dump(), "file": filename[:100]},
    )
    session.commit()
    return result


# --- alerts ---------------------------------------------------------------------------------------


def get_alert(session: Session, alert_id: int, principal: Principal) -> OpinionAlert:
    require(principal, READERS)
    alert = session.get(OpinionAlert, alert_id)
    if alert is None:
        raise NotFound("预警不存在", code="not_found")
    return alert


def handle_alert(
    session: Session,
    alert_id: int,
    action: str,
    principal: Principal,
    *,
    note: str | None = None,
    category_code: str | None = None,
) -> OpinionAlert:
    """预警处置: dismiss (忽略), follow as a 专题 (专题跟踪), turn into a case (转案件), publish the
    official response (发布官方回应)."""
    require(principal, HANDLERS)
    lock_subject(session, OpinionAlert.__table__, alert_id)  # two officers at once: the second waits
    alert = get_alert(session, alert_id, principal)
    session.refresh(alert)  # and then sees what the first one did
    if action not in ALERT_MOVES:
        raise ValidationFailed("未知的处置动作", code="unknown_action")
    if alert.status not in ALERT_MOVES[action]:
        raise Conflict(
            f"预警当前状态为「{ALERT_STATUS_LABELS.get(alert.status, alert.status)}」，不能执行此操作",
            code="bad_state",
        )
    at = now()
    if action == "respond":
        if not note or not note.strip():
            raise ValidationFailed("请填写官方回应内容", code="response_required")
        alert.response = note.strip()
    elif note:
        alert.note = note.strip()
    if action == "follow":
        alert.subject_id = _subject_for_alert(session, alert, principal).id
    alert.status = ACTION_STATUS[action]
    alert.handled_at, alert.handled_by_id = at, principal.user_id
    audit.record(
        session,
        principal=principal,
        action=f"opinion.alert.{action}",
        object_type=ALERT_SUBJECT,
        object_id=alert.id,
        detail={"note": (note or "")[:200]} if note else None,
    )
    if action == "case":
        _to_case(session, alert, principal, category_code)  # commits, through the case hub's intake
    else:
        session.commit()
    return alert


def _subject_for_alert(session: Session, alert: OpinionAlert, principal: Principal) -> OpinionSubject:
    item = session.get(OpinionItem, alert.item_id) if alert.item_id else None
    words = (item.keywords or [])[:2] if item else []
    if not words and alert.topic_id:
        from smartgov.opinion.models import OpinionTopic

        topic = session.get(OpinionTopic, alert.topic_id)
        words = (topic.keywords or [])[:2] if topic else []
    if not words:
        raise ValidationFailed("预警没有可用于专题的关键词，请手动新建专题", code="no_keywords")
    return _new_subject(session, f"预警跟踪：{alert.title[:60]}", "+".join(words), principal)


def _to_case(session: Session, alert: OpinionAlert, principal: Principal, category_code: str | None) -> None:
    """转案件: one report through the case hub's intake (source 舆情预警), on the grid the item names."""
    item = session.get(OpinionItem, alert.item_id) if alert.item_id else None
    grid_code = None
    if item is not None and item.grid_id:
        grid_code = session.scalar(select(Area.code).where(Area.id == item.grid_id))
    evidence = item.content if item is not None else json.dumps(alert.evidence, ensure_ascii=False)
    address = item.place if item is not None else None
    description = f"{alert.title}\n{evidence}"[:3900]
    if item is not None and item.url:
        description = f"{description[:3700]}\n原文：{item.url[:190]}"
    data = CaseIntake(
        source=Source.OPINION,
        title=alert.title[:200],
        description=description,
        grid_code=grid_code,
        address=address,
        category_code=category_code,
        source_ref=f"opinion-alert-{alert.id}",
        urgency="紧急" if alert.level == "严重" else "一般",
    )
    case = cases.intake(session, data, principal=principal, client_addr=principal.client_addr)
    alert.case_id, alert.case_no = case.id, case.case_no or case.tracking_code
    session.commit()


# --- 专题 ----------------------------------------------------------------------------------------------


def _new_subject(session: Session, name: str, expression: str, principal: Principal) -> OpinionSubject:
    parse(expression)  # a malformed expression is a 422 before anything is stored
    subject = OpinionSubject(
        name=name, expression=expression, created_by_id=principal.user_id, created_at=now()
    )
    session.add(subject)
    session.flush()
    jobs.enqueue(session, "opinion.backfill_subject", subject_id=subject.id)
    audit.record(
        session,
        principal=principal,
        action="opinion.subject",
        object_type="opinion_subject",
        object_id=subject.id,
        detail={"name": name, "expression": expression},
    )
    return subject


def create_subject(session: Session, data: SubjectIn, principal: Principal) -> OpinionSubject:
    """新建专题: the items already stored that match are added by a job, new ones by the pipeline."""
    require(principal, HANDLERS)
    subject = _new_subject(session, data.name.strip(), data.expression.strip(), principal)
    session.commit()
    return subject


def backfill_subject(session: Session, subject_id: int, limit: int = 200_000) -> int:
    """专题回溯: match a 专题 against the processed items (newest first, at most ``limit``)."""
    subject = session.get(OpinionSubject, subject_id)
    if subject is None:
        return 0
    tree = parse(subject.expression)
    have = set(session.scalars(select(SubjectItem.item_id).where(SubjectItem.subject_id == subject_id)))
    added = 0
    query = (
        select(OpinionItem.id, OpinionItem.title, OpinionItem.content)
        .where(OpinionItem.processed_at.is_not(None))
        .order_by(OpinionItem.id.desc())
        .limit(limit)
    )
    from smartgov.opinion.subjects import normalise

    for item_id, title, content in session.execute(query):
        if item_id not in have and tree.matches(normalise(f"{title or ''}\n{content}")):
            session.add(SubjectItem(subject_id=subject_id, item_id=item_id))
            added += 1
    session.commit()
    return added


# --- word lists -------------------------------------------------------------------------------------


def import_terms(session: Session, content: bytes, principal: Principal, *, replace: bool = False) -> int:
    """导入敏感词 (CSV ``term,category[,weight]``; category by code or Chinese name); returns rows added."""
    require(principal, ADMINS)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("文件需为 UTF-8 编码", code="bad_encoding") from exc
    by_label = {v: k for k, v in CATEGORY_LABELS.items()}
    rows: dict[tuple[str, str], int] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not row[0].strip() or (n == 1 and row[0].strip().lower() in ("term", "词", "敏感词")):
            continue
        if len(row) < 2 or not row[1].strip():
            raise ValidationFailed(f"第 {n} 行缺少类别", code="bad_row")
        term, category = row[0].strip()[:64], row[1].strip()[:32]
        category = by_label.get(category, category)
        try:
            weight = int(row[2]) if len(row) > 2 and row[2].strip() else 50
        except ValueError as exc:
            raise ValidationFailed(f"第 {n} 行权重应为 1-100 的整数", code="bad_row") from exc
        if not 1 <= weight <= 100:
            raise ValidationFailed(f"第 {n} 行权重应为 1-100 的整数", code="bad_row")
        rows[(term, category)] = weight
    if not rows:
        raise ValidationFailed("文件中没有敏感词", code="empty_file")
    if replace:
        session.query(SensitiveTerm).delete()
    existing = {(t.term, t.category): t for t in session.scalars(select(SensitiveTerm))}
    added = 0
    for (term, category), weight in rows.items():
        known = existing.get((term, category))
        if known is None:
            session.add(SensitiveTerm(term=term, category=category, weight=weight, is_active=True))
            added += 1
        else:
            known.weight, known.is_active = weight, True
    audit.record(
        session,
        principal=principal,
        action="opinion.words.import",
        object_type="opinion_term",
        detail={"rows": len(rows), "added": added, "replace": replace},
    )
    session.commit()
    return added


def export_terms(session: Session, principal: Principal) -> str:
    """导出敏感词 as CSV (term,category,weight), categories by their Chinese names."""
    require(principal, ADMINS)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["term", "category", "weight"])
    for t in session.scalars(
        select(SensitiveTerm)
        .where(SensitiveTerm.is_active.is_(True))
        .order_by(SensitiveTerm.category, SensitiveTerm.term)
    ):
        writer.writerow([t.term, CATEGORY_LABELS.get(t.category, t.category), t.weight])
    audit.record(session, principal=principal, action="opinion.words.export", object_type="opinion_term")
    session.commit()
    return out.getvalue()


DEFAULT_TERMS_FILE = Path(__file__).with_name("data") / "sensitive_terms.csv"


def ensure_defaults(session: Session) -> None:
    """The default alert rules and the built-in word list, when none are there yet (no commit)."""
    if session.scalar(select(func.count()).select_from(AlertRule)) == 0:
        for name, kind, params, level in alert_rules.DEFAULT_RULES:
            session.add(AlertRule(name=name, kind=kind, params=params, level=level, is_active=True))
    if session.scalar(select(func.count()).select_from(SensitiveTerm)) == 0 and DEFAULT_TERMS_FILE.exists():
        for row in csv.DictReader(DEFAULT_TERMS_FILE.open(encoding="utf-8")):
            session.add(SensitiveTerm(term=row["term"], category=row["category"], weight=int(row["weight"])))
    session.flush()


# --- search -----------------------------------------------------------------------------------------


def search_items(
    session: Session,
    principal: Principal,
    *,
    q: str = "",
    source_id: int | None = None,
    polarity: str | None = None,
    min_sensitivity: int | None = None,
    street_id: int | None = None,
    topic_id: int | None = None,
    account_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[OpinionItem]]:
    """信息检索: items by words (all must occur in the title or text) and filters, newest first."""
    require(principal, READERS)
    conds: list[Any] = []
    for word in q.split()[:8]:
        like = f"%{word[:50]}%"
        conds.append(or_(OpinionItem.title.like(like), OpinionItem.content.like(like)))
    for column, value in (
        (OpinionItem.source_id, source_id),
        (OpinionItem.polarity, polarity),
        (OpinionItem.street_id, street_id),
        (OpinionItem.topic_id, topic_id),
        (OpinionItem.account_id, account_id),
    ):
        if value is not None:
            conds.append(column == value)
    if min_sensitivity is not None:
        conds.append(OpinionItem.sensitivity >= min_sensitivity)
    if since is not None:
        conds.append(OpinionItem.published_at >= since)
    if until is not None:
        conds.append(OpinionItem.published_at < until)
    total = session.scalar(select(func.count()).select_from(OpinionItem).where(*conds)) or 0
    rows = session.scalars(
        select(OpinionItem)
        .where(*conds)
        .order_by(OpinionItem.published_at.desc(), OpinionItem.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), list(rows)


def overview(session: Session, principal: Principal, at: datetime | None = None) -> dict[str, Any]:
    """总览: today's volume and sentiment, the hottest topics, open alerts."""
    require(principal, READERS)
    from smartgov.opinion.models import OpinionTopic

    at = at or now()
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    today = (OpinionItem.published_at >= day, OpinionItem.published_at < day + timedelta(days=1))
    by_polarity = dict(
        session.execute(
            select(OpinionItem.polarity, func.count()).where(*today).group_by(OpinionItem.polarity)
        ).all()
    )
    return {
        "today": sum(by_polarity.values()),
        "polarity": {k: by_polarity.get(k, 0) for k in ("positive", "neutral", "negative")},
        "sensitive_today": session.scalar(
            select(func.count()).select_from(OpinionItem).where(*today, OpinionItem.sensitivity > 0)
        )
        or 0,
        "topics": session.scalars(
            select(OpinionTopic)
            .where(OpinionTopic.status == "active")
            .order_by(OpinionTopic.heat.desc(), OpinionTopic.id)
            .limit(10)
        ).all(),
        "alerts": session.scalars(
            select(OpinionAlert)
            .where(OpinionAlert.status == "open")
            .order_by(OpinionAlert.created_at.desc())
            .limit(10)
        ).all(),
    }


# --- rules and settings ------------------------------------------------------------------------------

RULE_PARAM_KEYS: dict[str, dict[str, type]] = {
    "sensitive": {"categories": list, "min_sensitivity": int},
    "surge": {"factor": float, "min_items": int},
    "negative_share": {"level": float, "min_items": int},
    "key_account": {"keywords": list},
}


def update_rule(
    session: Session,
    rule_id: int,
    principal: Principal,
    *,
    is_active: bool,
    level: str,
    params: dict[str, Any],
) -> AlertRule:
    """修改预警规则: on/off, level and parameters (checked against the rule's kind)."""
    require(principal, ADMINS)
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound("预警规则不存在", code="not_found")
    if level not in alert_rules.LEVELS:
        raise ValidationFailed("预警级别应为 一般、较重 或 严重", code="bad_level")
    allowed = RULE_PARAM_KEYS.get(rule.kind, {})
    checked: dict[str, Any] = {}
    for key, value in params.items():
        kind = allowed.get(key)
        if kind is None:
            raise ValidationFailed(f"规则参数「{key}」不适用于此类规则", code="bad_param")
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 64 for v in value):
                raise ValidationFailed(f"规则参数「{key}」应为词语列表", code="bad_param")
            checked[key] = value[:200]
        else:
            try:
                number = kind(value)
            except (TypeError, ValueError) as exc:
                raise ValidationFailed(f"规则参数「{key}」应为数字", code="bad_param") from exc
            if not 0 <= number <= 1_000_000:
                raise ValidationFailed(f"规则参数「{key}」超出范围", code="bad_param")
            checked[key] = number
    rule.is_active, rule.level, rule.params = is_active, level, checked
    audit.record(
        session,
        principal=principal,
        action="opinion.rule",
        object_type="opinion_rule",
        object_id=rule.id,
        detail={"active": is_active, "level": level, **checked},
    )
    session.commit()
    return rule
