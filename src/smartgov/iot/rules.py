"""告警规则的判定: each rule kind as a step over one reading and the rule's stored state.

The state (condition true since, count in a row, last value, fired) lives in ``iot_rule_state``
so a restart in the middle of a duration fires at the right moment, once.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from smartgov.config import get_settings
from smartgov.errors import ValidationFailed


class RuleKind(StrEnum):
    """规则类型."""

    THRESHOLD = "threshold"  # 阈值
    DURATION = "duration"  # 持续
    REPEAT = "repeat"  # 连续 N 次
    RATE = "rate"  # 变化率
    OFFLINE = "offline"  # 离线

    @property
    def label(self) -> str:
        return RULE_KIND_LABELS[self]


RULE_KIND_LABELS = {
    RuleKind.THRESHOLD: "超过阈值",
    RuleKind.DURATION: "持续超过阈值",
    RuleKind.REPEAT: "连续多次超过阈值",
    RuleKind.RATE: "变化过快",
    RuleKind.OFFLINE: "设备离线",
}

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
OPERATOR_LABELS = {">": "大于", ">=": "不小于", "<": "小于", "<=": "不大于", "==": "等于", "!=": "不等于"}


@dataclass
class State:
    """The stored state of one rule on one device (规则状态)."""

    since: datetime | None = None
    due_at: datetime | None = None
    count: int = 0
    last_value: float | None = None
    last_at: datetime | None = None
    fired: bool = False

    def as_tuple(self) -> tuple:
        return (self.since, self.due_at, self.count, self.last_value, self.last_at, self.fired)


@dataclass(frozen=True)
class RuleSpec:
    """What evaluation needs of a rule (a plain copy, safe across threads and sessions)."""

    id: int
    kind: str
    key: str | None
    op: str | None
    value: float | None
    duration_s: int = 0
    count: int = 1
    schedule: str | None = None
    auto_clear: bool = True


@dataclass(frozen=True)
class Outcome:
    """What one step decided: raise the alarm at ``at`` (with the value), clear it, or nothing."""

    fire_at: datetime | None = None
    clear_at: datetime | None = None
    value: float | None = None


NOTHING = Outcome()


def parse_schedule(text: str | None) -> tuple[time, time] | None:
    """ "19:00-07:00" → (19:00, 07:00); empty means always (全天)."""
    if not text or not text.strip():
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValidationFailed(f"时段格式应为 HH:MM-HH:MM: {text}", code="bad_schedule") from None
    return start, end


def in_schedule(schedule: str | None, at: datetime) -> bool:
    """Whether ``at`` (local time) falls in the schedule; a window may cross midnight (夜间)."""
    window = parse_schedule(schedule)
    if window is None:
        return True
    local = at.astimezone(get_settings().tz).time()
    start, end = window
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def holds(rule: RuleSpec, value: float, at: datetime, threshold: float | None = None) -> bool:
    """The rule's condition on one value (and its schedule)."""
    limit = rule.value if threshold is None else threshold
    if rule.op is None or limit is None:
        return False
    return OPERATORS[rule.op](value, limit) and in_schedule(rule.schedule, at)


def step(rule: RuleSpec, state: State, value: float, at: datetime, threshold: float | None = None) -> Outcome:
    """Advance ``state`` by one reading of the rule's key; return whether to fire or clear."""
    kind = rule.kind
    if kind == RuleKind.OFFLINE:
        return _seen(state, at)
    if kind == RuleKind.RATE:
        cond = _rate_holds(rule, state, value, at, threshold)
        if state.last_at is None or (at - state.last_at).total_seconds() >= max(rule.duration_s, 1):
            state.last_value, state.last_at = value, at  # a new window starts
    else:
        cond = holds(rule, value, at, threshold)
    if not cond:
        return _reset(rule, state, at)
    if kind == RuleKind.DURATION:
        if state.since is None:
            state.since = at
        due = state.since + timedelta(seconds=rule.duration_s)
        if state.fired:
            return NOTHING
        if at >= due:
            state.fired, state.due_at = True, None
            return Outcome(fire_at=due, value=value)
        state.due_at, state.last_value = due, value
        return NOTHING
    if kind == RuleKind.REPEAT:
        state.count += 1
        if state.fired or state.count < max(rule.count, 1):
            return NOTHING
    if state.fired:
        return NOTHING
    state.fired = True
    return Outcome(fire_at=at, value=value)


def _rate_holds(rule: RuleSpec, state: State, value: float, at: datetime, threshold: float | None) -> bool:
    """变化率: the change since the start of the current window (at most the rule's time old)
    against the limit, so the noise between two readings does not count."""
    if state.last_value is None or state.last_at is None or at <= state.last_at:
        return False
    return holds(rule, value - state.last_value, at, threshold)


def _reset(rule: RuleSpec, state: State, at: datetime) -> Outcome:
    """The condition no longer holds: durations and counts start again; a fired rule clears."""
    state.since = state.due_at = None
    state.count = 0
    if state.fired:
        state.fired = False
        return Outcome(clear_at=at) if rule.auto_clear else NOTHING
    return NOTHING


def _seen(state: State, at: datetime) -> Outcome:
    """A reading arrived: an offline alarm clears (设备恢复上线)."""
    if state.fired:
        state.fired = False
        return Outcome(clear_at=at)
    return NOTHING


def due(rule: RuleSpec, state: State, at: datetime, last_seen: datetime | None) -> Outcome:
    """The time-driven check (定时判定): a duration whose time has come, or a device gone silent."""
    if state.fired:
        return NOTHING
    if rule.kind == RuleKind.DURATION and state.due_at is not None and state.due_at <= at:
        fire_at = state.due_at
        state.fired, state.due_at = True, None
        return Outcome(fire_at=fire_at, value=state.last_value)
    if rule.kind == RuleKind.OFFLINE and last_seen is not None:
        silent_since = last_seen + timedelta(seconds=rule.duration_s)
        if silent_since <= at:
            state.fired = True
            return Outcome(fire_at=silent_since)
    return NOTHING


def describe(rule: RuleSpec, key_label: str = "", unit: str = "") -> str:
    """The rule's condition in plain Chinese (规则说明)."""
    what = f"{key_label or rule.key}{OPERATOR_LABELS.get(rule.op or '', '')}{_num(rule.value)}{unit}"
    when = f"（仅 {rule.schedule}）" if rule.schedule else ""
    if rule.kind == RuleKind.OFFLINE:
        return f"超过 {_span(rule.duration_s)} 未上报数据"
    if rule.kind == RuleKind.DURATION:
        return f"{what} 持续超过 {_span(rule.duration_s)}{when}"
    if rule.kind == RuleKind.REPEAT:
        return f"{what} 连续 {rule.count} 次{when}"
    if rule.kind == RuleKind.RATE:
        return (
            f"{key_label or rule.key} {_span(rule.duration_s)}内变化{OPERATOR_LABELS.get(rule.op or '', '')}"
            f"{_num(rule.value)}{unit}{when}"
        )
    return f"{what}{when}"


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _span(seconds: int) -> str:
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} 小时"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} 分钟"
    return f"{seconds} 秒"
