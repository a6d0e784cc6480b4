"""告警规则: each kind step by step on hand-made readings (pure, no database)."""

from __future__ import annotations

from datetime import datetime

import pytest

from smartgov.iot import rules
from smartgov.iot.rules import RuleSpec, State
from tests.iot.conftest import T0, at


def spec(kind: str, op: str = ">", value: float = 10, **kw) -> RuleSpec:  # type: ignore[no-untyped-def]
    return RuleSpec(id=1, kind=kind, key="k", op=op, value=value, **kw)


def run(
    rule: RuleSpec, values: list[tuple[float, float]], state: State | None = None
) -> list[tuple[str, float]]:
    """Feed (second, value) pairs; the list of ("fire"|"clear", second) that came out."""
    state = state or State()
    out = []
    for second, value in values:
        o = rules.step(rule, state, value, at(second))
        if o.fire_at:
            out.append(("fire", (o.fire_at - T0).total_seconds()))
        if o.clear_at:
            out.append(("clear", (o.clear_at - T0).total_seconds()))
    return out


@pytest.mark.parametrize(
    ("op", "value", "hits"),
    [
        (">", 10, [False, False, True]),
        (">=", 10, [False, True, True]),
        ("<", 10, [True, False, False]),
        ("<=", 10, [True, True, False]),
        ("==", 10, [False, True, False]),
        ("!=", 10, [True, False, True]),
    ],
)
def test_every_operator_on_both_sides_of_its_limit(op: str, value: float, hits: list[bool]) -> None:
    rule = spec("threshold", op, value)
    assert [rules.holds(rule, v, T0) for v in (9.9, 10, 10.1)] == hits


def test_threshold_fires_once_and_clears_when_the_condition_goes() -> None:
    assert run(spec("threshold"), [(0, 5), (1, 11), (2, 12), (3, 4), (4, 15)]) == [
        ("fire", 1),
        ("clear", 3),
        ("fire", 4),
    ]


def test_threshold_without_auto_clear_stays_until_people_clear_it() -> None:
    assert run(spec("threshold", auto_clear=False), [(1, 11), (3, 4), (4, 15)]) == [("fire", 1), ("fire", 4)]


def test_duration_filters_short_tilts_and_fires_at_the_right_moment() -> None:
    rule = spec("duration", duration_s=2)
    # a passing vehicle: 1.9 s tilted, then flat
    assert run(rule, [(0, 15), (1.9, 15), (2.5, 0)]) == []
    # tilted for good: fires at 0 + 2 s, reported by the reading at 3 s
    assert run(rule, [(0, 15), (1, 15), (3, 16), (4, 16)]) == [("fire", 2)]
    # exactly 2 s is enough
    assert run(rule, [(0, 15), (2, 15)]) == [("fire", 2)]


def test_duration_due_check_fires_without_a_new_reading() -> None:
    rule = spec("duration", duration_s=2)
    state = State()
    rules.step(rule, state, 15, at(0))
    assert rules.due(rule, state, at(1.99), None).fire_at is None
    assert rules.due(rule, state, at(2), None).fire_at == at(2)
    assert rules.due(rule, state, at(3), None).fire_at is None  # once


def test_repeat_needs_n_in_a_row() -> None:
    rule = spec("repeat", count=3)
    assert run(rule, [(0, 11), (1, 11), (2, 5), (3, 11), (4, 11), (5, 11), (6, 11)]) == [("fire", 5)]


def test_rate_of_change_scaled_to_the_window() -> None:
    rule = spec("rate", ">", 0.5, duration_s=600)  # rising more than 0.5 within 10 minutes
    # noise between readings does not count: +0.4, −0.3, +0.4 are each within the window's 0.5
    assert run(rule, [(0, 1.0), (100, 1.4), (200, 1.1), (300, 1.5)]) == []
    # 1.0 → 1.5 within the window is not more; 1.0 → 1.5625 at 10 minutes is
    assert run(rule, [(0, 1.0), (300, 1.5), (600, 1.5625)]) == [("fire", 600)]
    # a new window starts at 600 (1.0 → 1.0): +0.5 by 900 is not more, +0.6 is
    assert run(rule, [(0, 1.0), (600, 1.0), (900, 1.5)]) == []
    assert run(rule, [(0, 1.0), (600, 1.0), (900, 1.6)]) == [("fire", 900)]


def test_offline_fires_after_silence_and_clears_when_seen() -> None:
    rule = RuleSpec(id=1, kind="offline", key=None, op=None, value=None, duration_s=600)
    state = State()
    assert rules.due(rule, state, at(599), at(0)).fire_at is None
    assert rules.due(rule, state, at(700), at(0)).fire_at == at(600)
    assert rules.due(rule, state, at(800), at(0)).fire_at is None
    assert rules.step(rule, state, 0, at(900)).clear_at == at(900)


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        ("18:59", False),
        ("19:00", True),
        ("23:30", True),
        ("05:59", True),
        ("06:00", False),
        ("12:00", False),
    ],
)
def test_night_schedule_crosses_midnight(local: str, inside: bool) -> None:
    moment = datetime.fromisoformat(f"2026-11-30T{local}:00+08:00")
    assert rules.in_schedule("19:00-06:00", moment) is inside


def test_rules_read_as_chinese_conditions() -> None:
    assert rules.describe(spec("duration", duration_s=2), "倾角", "°") == "倾角大于10° 持续超过 2 秒"
    assert (
        rules.describe(spec("repeat", "<", 5, count=3, schedule="19:00-06:00"), "功率", "W")
        == "功率小于5W 连续 3 次（仅 19:00-06:00）"
    )
    assert rules.describe(RuleSpec(1, "offline", None, None, None, 3600)) == "超过 1 小时 未上报数据"
