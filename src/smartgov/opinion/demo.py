"""舆情 demo data: the 网信 office and its officer, sources, key accounts, the default rules and word
list, and a week of items — the shared citizen-message corpus when present (re-timed into the last
seven days so the overview is alive), else a generated corpus — queued for the pipeline as jobs."""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.opinion.models import OpinionAccount, OpinionSource, OpinionSubject
from smartgov.opinion.schemas import ItemIn
from smartgov.opinion.service import ensure_defaults, store_items
from smartgov.org.models import Area, Department

SHARED_MESSAGES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "messages"
CORPUS_FILES = ("messages_with_votes.csv", "messages_with_replies.csv")
MAX_CORPUS = 800  # items from the shared corpus (the pipeline runs them as jobs after start)
OFFICER = ("opinion", "舆情监测员周宁")
KEY_ACCOUNTS = (
    ("weibo", "示范区发布", "official", 520_000),
    ("weibo", "城市晚报", "media", 1_800_000),
    ("news", "都市新闻网", "media", 3_000_000),
    ("weibo", "本地生活达人", "influencer", 260_000),
)
GENERATED = (
    ("{street}多名业主聚集在售楼处门口维权，要求开发商按期交房", "weibo"),
    ("网友爆料{street}某单位负责人涉嫌贪污公款，请纪委调查", "forum"),
    ("{street}夜市附近发生持刀伤人事件，警方已到场", "weibo"),
    ("{street}地铁施工夜间噪音扰民，居民投诉多次无人管", "weibo"),
    ("点赞！{street}老旧小区加装电梯完工，居民很满意", "news"),
    ("{street}道路积水严重，雨天出行困难，希望尽快处理", "forum"),
    ("{street}农贸市场改造后环境干净整洁，买菜方便多了", "news"),
    ("{street}多家餐馆油烟扰民，投诉后一直没有解决", "weibo"),
)


def _corpus(limit: int) -> list[tuple[str, str, int]]:
    rows: list[tuple[str, str, int]] = []
    for name in CORPUS_FILES:
        path = SHARED_MESSAGES / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                text = " ".join((row.get("留言详情") or "").split())
                if text:
                    likes = int(row.get("点赞数") or 0) if (row.get("点赞数") or "0").isdigit() else 0
                    rows.append(((row.get("留言主题") or "").strip(), text, likes))
                if len(rows) >= limit:
                    return rows
    return rows


def seed_opinion(session: Session, *, password: str, seed: int = 20261130) -> int:
    """Load the 舆情 demo into the demo district (no commit); returns how many items were queued."""
    from smartgov.auth.service import create_user

    ensure_defaults(session)
    office = session.scalar(select(Department).where(Department.code == "wangxin"))
    if office is None:
        office = Department(code="wangxin", name="区委网信办", duties="网络舆情监测、研判与处置")
        session.add(office)
        session.flush()
    create_user(
        session,
        username=OFFICER[0],
        password=password,
        display_name=OFFICER[1],
        roles=["opinion_officer"],
        department_id=office.id,
    )
    partner = OpinionSource(
        code="partner", name="合作方舆情推送", kind="push", channel="weibo", created_at=now()
    )
    messages = OpinionSource(
        code="wenzheng", name="网络问政平台", kind="platform", channel="government", created_at=now()
    )
    forum = OpinionSource(code="forum", name="本地论坛导入", kind="import", channel="forum", created_at=now())
    session.add_all([partner, messages, forum])
    for platform, name, kind, followers in KEY_ACCOUNTS:
        session.add(
            OpinionAccount(
                platform=platform,
                handle=name,
                name=name,
                kind=kind,
                followers=followers,
                is_key=True,
                created_at=now(),
            )
        )
    session.add(
        OpinionSubject(
            name="老旧小区改造", expression="(老旧小区|加装电梯)+(改造|完工|施工)", created_at=now()
        )
    )
    session.flush()
    rng = random.Random(seed)
    at = now()
    streets = [a.name for a in session.scalars(select(Area).where(Area.level == "street"))] or ["示范街道"]
    corpus = _corpus(MAX_CORPUS)
    queued = 0
    if corpus:
        span = timedelta(days=7).total_seconds()
        items = [
            ItemIn(
                external_id=f"msg-{n}",
                title=title or None,
                content=text[:20_000],
                likes=likes,
                published_at=at - timedelta(seconds=span * (len(corpus) - n) / len(corpus)),
            )
            for n, (title, text, likes) in enumerate(corpus)
        ]
        queued += store_items(session, messages, items).stored
    generated: list[ItemIn] = []
    for n in range(240):
        template, _channel = GENERATED[n % len(GENERATED)]
        platform, account, _kind, _f = (
            KEY_ACCOUNTS[n % len(KEY_ACCOUNTS)] if n % 3 == 0 else ("weibo", f"网友{n}", "", 0)
        )
        generated.append(
            ItemIn(
                external_id=f"gen-{n}",
                content=template.format(street=rng.choice(streets)),
                author=account,
                author_platform=platform,
                reposts=rng.randint(0, 400),
                comments=rng.randint(0, 120),
                likes=rng.randint(0, 900),
                published_at=at - timedelta(minutes=rng.randint(1, 60 * 24 * 3)),
            )
        )
    queued += store_items(session, partner, generated).stored
    return queued
