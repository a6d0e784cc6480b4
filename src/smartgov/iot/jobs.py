"""Follow-up work of 物联感知: the time-driven rule check and alarms turned into cases."""

from __future__ import annotations

from smartgov import jobs
from smartgov.db import session_factory
from smartgov.iot import bridge, checks, telemetry


@jobs.periodic("* * * * * */5", "iot.check_rules", label="告警规则定时判定")
def check_rules() -> None:
    """Durations that ran their time and devices gone silent (every 5 seconds)."""
    with session_factory()() as session:
        checks.check_due(session)


@jobs.task("iot.alarm_to_case", retries=5, label="告警转案件")
def alarm_to_case(*, alarm_id: int) -> None:
    with session_factory()() as session:
        bridge.open_case(session, alarm_id)


@jobs.task("iot.note_case", retries=5, label="告警动态记入案件")
def note_case(*, alarm_id: int, note: str) -> None:
    with session_factory()() as session:
        bridge.note_case(session, alarm_id, note)


@jobs.periodic("* * * * *", "iot.clear_closed_cases", label="案件办结清除告警")
def clear_closed_cases() -> None:
    with session_factory()() as session:
        bridge.clear_closed(session)


@jobs.periodic("7 * * * *", "iot.telemetry_upkeep", label="遥测小时汇总与保留")
def telemetry_upkeep() -> None:
    """Hourly roll-ups of the last hours, next month's partition, old readings removed."""
    with session_factory()() as session:
        telemetry.upkeep(session)
