"""定时判定: durations whose time has come and devices gone silent, from the stored rule state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.iot import alarms
from smartgov.iot import rules as rulebook
from smartgov.iot.ingest import spec_of
from smartgov.iot.models import Device, Rule, RuleState


def check_due(session: Session, at: datetime | None = None) -> int:
    """Fire every duration that ran its full time and every offline rule whose device is silent;
    runs as a periodic job, so a restart changes nothing: the moment is in the database."""
    at = at or now()
    fired = 0
    due = session.execute(
        select(RuleState, Rule)
        .join(Rule, Rule.id == RuleState.rule_id)
        .where(
            Rule.enabled.is_(True),
            Rule.kind == rulebook.RuleKind.DURATION,
            RuleState.fired.is_(False),
            RuleState.due_at.is_not(None),
            RuleState.due_at <= at,
        )
        .with_for_update(of=RuleState, skip_locked=True)
    ).all()
    for row, rule in due:
        state = _state(row)
        outcome = rulebook.due(spec_of(rule), state, at, None)
        if outcome.fire_at is not None:
            _write(row, state)
            alarms.trigger(session, row.device_id, rule, outcome.fire_at, outcome.value)
            fired += 1
    fired += _offline(session, at)
    session.commit()
    return fired


def _offline(session: Session, at: datetime) -> int:
    """设备离线: no reading for the rule's time; fired once until the device is seen again."""
    fired = 0
    for rule in session.scalars(
        select(Rule).where(Rule.enabled.is_(True), Rule.kind == rulebook.RuleKind.OFFLINE)
    ):
        spec = spec_of(rule)
        silent = session.execute(
            select(Device, RuleState)
            .outerjoin(RuleState, and_(RuleState.device_id == Device.id, RuleState.rule_id == rule.id))
            .where(
                Device.profile_id == rule.profile_id,
                Device.is_active.is_(True),
                Device.last_seen_at.is_not(None),
                Device.last_seen_at <= at - _seconds(spec.duration_s),
                or_(RuleState.fired.is_(None), RuleState.fired.is_(False)),
            )
        ).all()
        for device, row in silent:
            if row is None:
                row = RuleState(device_id=device.id, rule_id=rule.id, count=0, fired=False)
                session.add(row)
            state = _state(row)
            outcome = rulebook.due(spec, state, at, device.last_seen_at)
            if outcome.fire_at is not None:
                _write(row, state)
                alarms.trigger(session, device.id, rule, outcome.fire_at, None)
                fired += 1
    return fired


def _seconds(n: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(seconds=n)


def _state(row: RuleState) -> rulebook.State:
    return rulebook.State(row.since, row.due_at, row.count or 0, row.last_value, row.last_at, bool(row.fired))


def _write(row: RuleState, state: rulebook.State) -> None:
    row.since, row.due_at, row.count = state.since, state.due_at, state.count
    row.last_value, row.last_at, row.fired = state.last_value, state.last_at, state.fired
