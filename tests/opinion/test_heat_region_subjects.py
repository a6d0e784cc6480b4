"""Heat decays with age; places resolve to street, community and grid; 专题 expressions."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from smartgov.errors import ValidationFailed
from smartgov.opinion.heat import decay, item_heat, spread_index
from smartgov.opinion.region import Gazetteer, short_name
from smartgov.opinion.subjects import matches, parse
from tests.opinion.conftest import OpinionWorld

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(("hours", "expected"), [(0, 1.0), (24, 0.5), (48, 0.25), (-5, 1.0)])
def test_decay_halves_every_half_life(hours: int, expected: float) -> None:
    assert decay(T0, T0 + timedelta(hours=hours), 24) == pytest.approx(expected)


def test_item_heat_weights_each_count_and_decays() -> None:
    w = {"volume": 1.0, "reposts": 2.0, "comments": 1.5, "likes": 0.5, "half_life_hours": 24.0}
    fresh = item_heat(volume=1, reposts=9, comments=0, likes=0, published_at=T0, at=T0, weights=w)
    assert fresh == pytest.approx(round(math.log(2) + 2 * math.log(10), 4))
    day_old = item_heat(
        volume=1, reposts=9, comments=0, likes=0, published_at=T0, at=T0 + timedelta(hours=24), weights=w
    )
    assert day_old == pytest.approx(fresh / 2, abs=1e-3)


def test_spread_index_parts() -> None:
    out = spread_index(channel="news", located=True, sensitivity=100, per_hour=0, growth=0, reach=0)
    assert out["channel"] == 1.0 and out["region"] == 1.0 and out["sensitivity"] == 1.0
    assert out["speed"] == 0.0 and out["reach"] == 0.0
    assert out["index"] == pytest.approx(100 * (0.2 + 0.1 + 0.3) / 1.0)


@pytest.mark.parametrize(
    ("name", "short"), [("东湖街道", "东湖"), ("翠苑社区", "翠苑"), ("湖社区", "湖社区")]
)
def test_short_name(name: str, short: str) -> None:
    assert short_name(name) == short


def test_region_resolves_the_most_specific_place(world: OpinionWorld, session: Session) -> None:
    g = Gazetteer.from_session(session)
    found = g.find("翠苑2号网格旁边的路灯坏了")
    assert (found.street_id, found.community_id, found.grid_id) == (
        world.street.id,
        world.community.id,
        world.grids[1].id,
    )
    community = g.find("东湖街道翠苑社区的居民反映")
    assert (community.level, community.grid_id, community.community_id) == (
        "community",
        None,
        world.community.id,
    )
    assert g.find("东湖一带").street_id == world.street.id
    assert g.find("没有地名的文字") is None
    by_author = g.find("路灯坏了", "浙江 东湖街道")
    assert by_author.street_id == world.street.id


@pytest.mark.parametrize(
    ("expression", "text", "expected"),
    [
        ("(拆迁|征收)+补偿-招聘", "旧城拆迁补偿标准太低", True),
        ("(拆迁|征收)+补偿-招聘", "征收补偿公示", True),
        ("(拆迁|征收)+补偿-招聘", "拆迁补偿公司招聘", False),
        ("(拆迁|征收)+补偿-招聘", "补偿款已发放", False),
        ("地铁 噪音", "地铁施工噪音", True),
        ("地铁 噪音", "地铁开通", False),
        ("地铁|公交", "公交晚点", True),
    ],
)
def test_subject_expressions(expression: str, text: str, expected: bool) -> None:
    assert matches(expression, text) is expected


@pytest.mark.parametrize("bad", ["", "(拆迁|征收", "拆迁+", "|补偿", "拆迁)"])
def test_a_malformed_expression_is_refused_in_chinese(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse(bad)
    assert "专题" in exc.value.message
