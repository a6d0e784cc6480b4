"""The pipeline over stored items: duplicates grouped under their original (whose heat grows), topics
stored and labelled, regions found, 专题 matched, and each kind of alert rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.opinion import service
from smartgov.opinion.models import (
    AlertRule,
    OpinionAccount,
    OpinionAlert,
    OpinionItem,
    OpinionSubject,
    OpinionTopic,
    SubjectItem,
)
from smartgov.opinion.schemas import ItemIn
from tests.opinion.conftest import OpinionWorld

NOISE = "翠苑社区地铁施工夜间噪音扰民，居民无法入睡，希望尽快处理"


def store(session: Session, world: OpinionWorld, *items: ItemIn) -> list[OpinionItem]:
    service.store_items(session, world.source, items)
    session.commit()  # the pipeline job runs right after the commit (inline in the tests)
    session.expire_all()
    return list(session.scalars(select(OpinionItem).order_by(OpinionItem.id)))


def test_reposts_are_grouped_under_the_original_and_raise_its_heat(
    world: OpinionWorld, session: Session
) -> None:
    first = store(session, world, ItemIn(external_id="a", content=NOISE))[0]
    heat_alone = first.heat
    rows = store(
        session,
        world,
        ItemIn(external_id="b", content=f"转发：{NOISE}"),
        ItemIn(external_id="c", content="学校食堂饭菜价格上涨，学生家长意见很大"),
    )
    original, repost, other = rows
    assert repost.duplicate_of_id == original.id and other.duplicate_of_id is None
    assert original.heat > heat_alone
    assert repost.topic_id == original.topic_id != other.topic_id


def test_topic_is_stored_with_its_keywords_and_counts(world: OpinionWorld, session: Session) -> None:
    store(
        session,
        world,
        ItemIn(external_id="a", content=NOISE),
        ItemIn(external_id="b", content="地铁施工噪音扰民问题何时解决，夜间施工太吵"),
    )
    topic = session.scalars(select(OpinionTopic)).one()
    assert topic.item_count == 2 and topic.status == "active"
    assert {"地铁", "施工", "噪音"} & set(topic.label.split())


def test_region_and_subject_found(world: OpinionWorld, session: Session) -> None:
    session.add(OpinionSubject(name="地铁施工", expression="地铁+(噪音|扰民)", created_at=now()))
    session.commit()
    item = store(session, world, ItemIn(external_id="a", content=NOISE))[0]
    assert (item.street_id, item.community_id, item.grid_id, item.place) == (
        world.street.id,
        world.community.id,
        None,
        "翠苑社区",
    )
    assert session.scalars(select(SubjectItem.item_id)).all() == [item.id]


def _only_rule(session: Session, kind: str, params: dict) -> None:
    session.query(AlertRule).delete()
    session.add(AlertRule(name="规则", kind=kind, params=params, level="一般", is_active=True))
    session.commit()


def test_surge_alert_when_the_last_hour_exceeds_the_baseline(world: OpinionWorld, session: Session) -> None:
    _only_rule(session, "surge", {"factor": 3.0, "min_items": 4})
    at = now()
    old = [
        ItemIn(external_id=f"o{n}", content=f"{NOISE}（{n}号）", published_at=at - timedelta(hours=5 + n))
        for n in range(2)
    ]
    store(session, world, *old)
    assert session.scalars(select(OpinionAlert)).all() == []
    fresh = [
        ItemIn(
            external_id=f"f{n}",
            content=f"地铁施工夜间噪音第{n}次投诉，楼号{n * 7}",
            published_at=at - timedelta(minutes=n),
        )
        for n in range(4)
    ]
    store(session, world, *fresh)
    alert = session.scalars(select(OpinionAlert)).one()
    assert alert.kind == "surge" and alert.evidence["last_hour"] == 4


def test_no_surge_below_the_minimum(world: OpinionWorld, session: Session) -> None:
    _only_rule(session, "surge", {"factor": 3.0, "min_items": 5})
    store(
        session,
        world,
        *[ItemIn(external_id=f"f{n}", content=f"地铁施工夜间噪音第{n}次投诉，楼号{n * 7}") for n in range(4)],
    )
    assert session.scalars(select(OpinionAlert)).all() == []


@pytest.mark.parametrize(("level", "raised"), [(0.5, True), (1.0, False)])
def test_negative_share_alert(world: OpinionWorld, session: Session, level: float, raised: bool) -> None:
    _only_rule(session, "negative_share", {"level": level, "min_items": 2})
    store(
        session,
        world,
        *[
            ItemIn(external_id=f"n{n}", content=f"地铁施工噪音扰民投诉无人管，太差了，第{n}栋")
            for n in range(3)
        ],
    )
    assert bool(session.scalars(select(OpinionAlert)).all()) is raised


def test_key_account_on_a_watched_subject(world: OpinionWorld, session: Session) -> None:
    _only_rule(session, "key_account", {"keywords": ["地铁"]})
    session.add(
        OpinionAccount(
            platform="weibo", handle="城市晚报", name="城市晚报", kind="media", is_key=True, created_at=now()
        )
    )
    session.commit()
    store(
        session,
        world,
        ItemIn(external_id="k1", content=NOISE, author="城市晚报", author_platform="weibo"),
        ItemIn(
            external_id="k2", content="今天天气不错，地铁很顺畅", author="路人甲", author_platform="weibo"
        ),
        ItemIn(external_id="k3", content="晚报今日天气预报", author="城市晚报", author_platform="weibo"),
    )
    alert = session.scalars(select(OpinionAlert)).one()
    assert alert.kind == "key_account" and alert.evidence["words"] == ["地铁"]


def test_an_inactive_term_no_longer_matches(world: OpinionWorld, session: Session) -> None:
    from smartgov.opinion.models import SensitiveTerm

    session.scalars(select(SensitiveTerm).where(SensitiveTerm.term == "聚集")).one().is_active = False
    session.commit()
    item = store(session, world, ItemIn(external_id="x", content="居民聚集在门口"))[0]
    assert item.sensitive is None and item.sensitivity == 0


def test_a_topic_grows_across_batches_without_being_stored_twice(
    world: OpinionWorld, session: Session
) -> None:
    store(session, world, ItemIn(external_id="a", content=NOISE))
    store(session, world, ItemIn(external_id="b", content="地铁施工噪音扰民问题何时解决，夜间施工太吵"))
    store(session, world, ItemIn(external_id="c", content="地铁施工夜间噪音又来了，扰民严重"))
    topic = session.scalars(select(OpinionTopic)).one()
    assert topic.item_count == 3
    assert {i.topic_id for i in session.scalars(select(OpinionItem))} == {topic.id}
