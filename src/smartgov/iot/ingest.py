"""遥测接入: parse device and gateway messages, check them, store a batch and evaluate the rules.

One batch is one transaction: the readings, the devices' latest values, the rules' state and any
alarm are committed together, and only then are the MQTT messages of the batch acknowledged.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.iot import alarms
from smartgov.iot import rules as rulebook
from smartgov.iot.models import Device, DeviceProfile, Rule, RuleState, Telemetry

MAX_READINGS_PER_MESSAGE = 1000
MAX_KEY_LENGTH = 64


class BadMessage(ValueError):
    """A message that cannot be read at all (不是合法的遥测数据)."""


@dataclass(frozen=True)
class Reading:
    """One device's values at one moment (一次上报)."""

    device: str  # device code
    ts: datetime
    values: dict[str, Any]


@dataclass
class BatchResult:
    """What a batch did: points stored, values refused, alarms raised and cleared."""

    stored: int = 0
    rejected: int = 0
    unknown_devices: int = 0
    fired: int = 0
    cleared: int = 0
    rejections: list[str] = field(default_factory=list)


def parse_time(value: Any, received_at: datetime) -> datetime:
    """ThingsBoard's epoch milliseconds, or an ISO time with its zone; none means on receipt."""
    if value is None:
        return received_at
    if isinstance(value, bool):
        raise BadMessage("时间戳格式错误")
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 < value < 32_503_680_000_000:
            raise BadMessage("时间戳超出范围")
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise BadMessage(f"时间格式错误: {value[:40]}") from None
        if parsed.tzinfo is None:
            raise BadMessage("时间须带时区")
        return parsed
    raise BadMessage("时间戳格式错误")


def _entries(payload: Any, received_at: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    """``{"ts": …, "values": {…}}``, a flat ``{key: value}`` or a list of either (ThingsBoard)."""
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > MAX_READINGS_PER_MESSAGE:
        raise BadMessage("一条消息的读数过多")
    found = []
    for item in items:
        if not isinstance(item, dict):
            raise BadMessage("遥测数据应为 JSON 对象")
        if "values" in item:
            values = item["values"]
            if not isinstance(values, dict):
                raise BadMessage("values 应为 JSON 对象")
            found.append((parse_time(item.get("ts"), received_at), values))
        else:
            found.append((received_at, item))
    return found


def _load(payload: bytes | str | Any) -> Any:
    if isinstance(payload, bytes | str):
        try:
            return json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise BadMessage("不是合法的 JSON") from None
    return payload


def device_readings(code: str, payload: Any, received_at: datetime | None = None) -> list[Reading]:
    """The readings of one device's own message (设备主题)."""
    at = received_at or now()
    return [Reading(code, ts, values) for ts, values in _entries(_load(payload), at)]


def gateway_readings(payload: Any, received_at: datetime | None = None) -> list[Reading]:
    """A gateway's message: ``{"device code": [{"ts": …, "values": {…}}, …], …}`` (网关主题)."""
    at = received_at or now()
    data = _load(payload)
    if not isinstance(data, dict):
        raise BadMessage("网关数据应为以设备编码为键的 JSON 对象")
    found = []
    for code, entries in data.items():
        found.extend(Reading(str(code)[:64], ts, values) for ts, values in _entries(entries, at))
    return found


def check_value(spec: dict[str, Any] | None, key: str, value: Any) -> tuple[float | None, str | None]:
    """A value as a number within the key's valid range, or why it is refused (数据校验)."""
    if spec is None:
        return None, f"未定义的遥测项: {key[:MAX_KEY_LENGTH]}"
    if isinstance(value, bool):
        value = 1.0 if value else 0.0
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None, f"{spec.get('label', key)} 不是数值"
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        return None, f"{spec.get('label', key)} 超出有效范围 {low}～{high}: {value}"
    return float(value), None


@dataclass
class _Catalogue:
    """The profiles' keys and rules, read once per batch."""

    keys: dict[int, dict[str, Any]]
    rules: dict[int, list[rulebook.RuleSpec]]
    rows: dict[int, Rule]


def _catalogue(session: Session, profile_ids: Iterable[int]) -> _Catalogue:
    ids = set(profile_ids)
    keys = {
        p.id: p.telemetry or {}
        for p in session.scalars(select(DeviceProfile).where(DeviceProfile.id.in_(ids)))
    }
    specs: dict[int, list[rulebook.RuleSpec]] = defaultdict(list)
    rows = {}
    for rule in session.scalars(select(Rule).where(Rule.profile_id.in_(ids), Rule.enabled.is_(True))):
        specs[rule.profile_id].append(spec_of(rule))
        rows[rule.id] = rule
    return _Catalogue(keys, specs, rows)


def spec_of(rule: Rule) -> rulebook.RuleSpec:
    return rulebook.RuleSpec(
        id=rule.id,
        kind=rule.kind,
        key=rule.key,
        op=rule.op,
        value=rule.value,
        duration_s=rule.duration_s or 0,
        count=rule.count or 1,
        schedule=rule.schedule,
        auto_clear=rule.auto_clear,
    )


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


_TELEMETRY = Telemetry.__table__
_STATE = RuleState.__table__
_DEVICE = Device.__table__


def store(
    session: Session, readings: Sequence[Reading], *, received_at: datetime | None = None
) -> BatchResult:
    """Store one batch and evaluate its rules in the caller's transaction (the caller commits)."""
    result = BatchResult()
    if not readings:
        return result
    codes = {r.device for r in readings}
    devices = {
        d.code: d
        for d in session.execute(
            select(
                _DEVICE.c.id,
                _DEVICE.c.code,
                _DEVICE.c.profile_id,
                _DEVICE.c.latest,
                _DEVICE.c.last_seen_at,
                _DEVICE.c.rejected_count,
            ).where(_DEVICE.c.code.in_(codes), _DEVICE.c.is_active.is_(True))
        )
    }
    catalogue = _catalogue(session, {d.profile_id for d in devices.values()})
    points: dict[tuple[int, str, datetime], dict[str, Any]] = {}
    accepted: dict[int, list[tuple[datetime, dict[str, float]]]] = defaultdict(list)
    refused: dict[int, tuple[int, str]] = {}
    for reading in readings:
        device = devices.get(reading.device)
        if device is None:
            result.unknown_devices += 1
            continue
        keys = catalogue.keys.get(device.profile_id, {})
        good: dict[str, float] = {}
        for key, raw in reading.values.items():
            value, why = check_value(keys.get(key), str(key), raw)
            if why is not None:
                count, _ = refused.get(device.id, (0, ""))
                refused[device.id] = (count + 1, why)
                result.rejected += 1
                if len(result.rejections) < 20:
                    result.rejections.append(f"{device.code}: {why}")
                continue
            assert value is not None
            good[key] = value
            points[(device.id, key, reading.ts)] = {
                "device_id": device.id,
                "key": key,
                "ts": reading.ts,
                "value": value,
            }
        if good:
            accepted[device.id].append((reading.ts, good))
    if points:
        session.execute(_insert(session, _TELEMETRY).on_conflict_do_nothing(), list(points.values()))
        result.stored = len(points)
    by_id = {d.id: d for d in devices.values()}
    _update_devices(session, by_id, accepted, refused)
    _evaluate(session, by_id, catalogue, accepted, result)
    return result


_UPDATE_DEVICE = (
    update(_DEVICE)
    .where(_DEVICE.c.id == bindparam("device_id"))
    .values(
        latest=bindparam("latest"),
        last_seen_at=bindparam("seen"),
        rejected_count=bindparam("rejected"),
        last_rejection=func.coalesce(bindparam("why"), _DEVICE.c.last_rejection),
    )
)


def _update_devices(
    session: Session, devices: dict[int, Any], accepted: dict[int, list], refused: dict[int, tuple[int, str]]
) -> None:
    """最新值 and last-seen time of every device of the batch, and its count of refused values."""
    rows = []
    for device_id in set(accepted) | set(refused):
        device = devices[device_id]
        latest = dict(device.latest or {})
        seen = device.last_seen_at
        for ts, values in sorted(accepted.get(device_id, ()), key=lambda item: item[0]):
            stamp = ts.isoformat()
            for key, value in values.items():
                if key not in latest or latest[key][1] <= stamp:
                    latest[key] = [value, stamp]
            if seen is None or ts > seen:
                seen = ts
        extra, why = refused.get(device_id, (0, None))
        rows.append(
            {
                "device_id": device_id,
                "latest": latest,
                "seen": seen,
                "rejected": (device.rejected_count or 0) + extra,
                "why": why[:300] if why else None,
            }
        )
    if rows:
        session.connection().execute(_UPDATE_DEVICE, rows)


def load_states(session: Session, device_ids: Iterable[int]) -> dict[tuple[int, int], rulebook.State]:
    """The stored rule states of these devices (规则状态)."""
    ids = set(device_ids)
    if not ids:
        return {}
    states = {}
    for row in session.execute(select(_STATE).where(_STATE.c.device_id.in_(ids))):
        states[(row.device_id, row.rule_id)] = rulebook.State(
            row.since, row.due_at, row.count, row.last_value, row.last_at, row.fired
        )
    return states


def save_states(
    session: Session,
    states: dict[tuple[int, int], rulebook.State],
    before: dict[tuple[int, int], tuple | None],
) -> None:
    """Write the states that changed: new ones inserted, others updated."""
    inserts, updates = [], []
    for pair, state in states.items():
        old = before.get(pair)
        if old is not None and old == state.as_tuple():
            continue
        row = {
            "d": pair[0],
            "r": pair[1],
            "since": state.since,
            "due_at": state.due_at,
            "count": state.count,
            "last_value": state.last_value,
            "last_at": state.last_at,
            "fired": state.fired,
        }
        (updates if old is not None else inserts).append(row)
    conn = session.connection()
    if inserts:
        conn.execute(_STATE.insert().values(device_id=bindparam("d"), rule_id=bindparam("r")), inserts)
    if updates:
        conn.execute(
            update(_STATE)
            .where(_STATE.c.device_id == bindparam("d"), _STATE.c.rule_id == bindparam("r"))
            .values(
                since=bindparam("since"),
                due_at=bindparam("due_at"),
                count=bindparam("count"),
                last_value=bindparam("last_value"),
                last_at=bindparam("last_at"),
                fired=bindparam("fired"),
            ),
            updates,
        )


def _evaluate(
    session: Session,
    devices: dict[int, Any],
    catalogue: _Catalogue,
    accepted: dict[int, list[tuple[datetime, dict[str, float]]]],
    result: BatchResult,
) -> None:
    """Run every rule of each device's profile over its readings in time order."""
    relevant = [d for d in accepted if catalogue.rules.get(devices[d].profile_id)]
    if not relevant:
        return
    states = load_states(session, relevant)
    before: dict[tuple[int, int], tuple | None] = {pair: s.as_tuple() for pair, s in states.items()}
    outcomes: list[tuple[int, int, rulebook.Outcome]] = []
    for device_id in relevant:
        specs = catalogue.rules[devices[device_id].profile_id]
        for ts, values in sorted(accepted[device_id], key=lambda item: item[0]):
            for spec in specs:
                if spec.kind == rulebook.RuleKind.OFFLINE:
                    state = states.get((device_id, spec.id))
                    if state is None or not state.fired:
                        continue  # a device seen again only matters when it was offline
                    outcome = rulebook.step(spec, state, 0.0, ts)
                elif spec.key in values:
                    pair = (device_id, spec.id)
                    if pair not in states:
                        states[pair] = rulebook.State()
                        before[pair] = None
                    outcome = rulebook.step(spec, states[pair], values[spec.key], ts)
                else:
                    continue
                if outcome.fire_at is not None or outcome.clear_at is not None:
                    outcomes.append((device_id, spec.id, outcome))
    save_states(session, states, before)
    for device_id, rule_id, outcome in outcomes:
        rule = catalogue.rows[rule_id]
        if outcome.fire_at is not None:
            alarms.trigger(session, device_id, rule, outcome.fire_at, outcome.value)
            result.fired += 1
        else:
            assert outcome.clear_at is not None
            if alarms.clear_by_rule(session, device_id, rule, outcome.clear_at):
                result.cleared += 1
