"""告警: rules raising alarms from stored readings, durations across a restart, the lifecycle, and
alarms that become cases through the case hub's intake."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from smartgov.cases import service as cases
from smartgov.cases.schemas import ActionInput
from smartgov.errors import AppError
from smartgov.iot import alarms, bridge, checks, ingest
from smartgov.iot.alarms import AlarmAction
from smartgov.iot.models import Alarm, Rule, RuleState
from tests.iot.conftest import IotWorld, at


def feed(s: Session, code: str, *values: tuple[float, dict]) -> ingest.BatchResult:
    result = ingest.store(s, [ingest.Reading(code, at(second), dict(v)) for second, v in values])
    s.commit()
    return result


def alarm_rows(s: Session) -> list[Alarm]:
    s.expire_all()
    return list(s.scalars(select(Alarm).order_by(Alarm.id)))


def test_a_short_tilt_from_a_passing_vehicle_raises_nothing(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"tilt": 25}), (1.5, {"tilt": 0}))
    checks.check_due(s, at(10))
    assert alarm_rows(s) == []


def test_duration_restarted_midway_fires_once_at_the_right_time(iot: IotWorld, engine: Engine) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"tilt": 25}))
    s.close()
    engine.dispose()  # the ingest process dies: nothing of the rule is left in memory
    fresh = sessionmaker(engine, expire_on_commit=False)()
    assert checks.check_due(fresh, at(1.9)) == 0
    state = fresh.scalars(select(RuleState).join(Rule).where(Rule.code == "tilt")).one()
    assert state.due_at == at(2) and not state.fired
    assert checks.check_due(fresh, at(2.5)) == 1
    assert checks.check_due(fresh, at(30)) == 0
    feed(fresh, "JG-0001", (31, {"tilt": 26}))  # still tilted: the same alarm, no second one
    [alarm] = alarm_rows(fresh)
    assert alarm.started_at == at(2) and alarm.alarm_type == "cover_tilt" and alarm.trigger_count == 1
    fresh.close()


def test_one_open_alarm_per_device_and_type_a_repeat_updates_it(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"open": 1}), (5, {"open": 0}), (6, {"open": 1}))
    [alarm] = alarm_rows(s)  # auto_clear is off for an opened cover: it waits for people
    assert alarm.trigger_count == 2 and alarm.last_at == at(6) and alarm.status == "ACTIVE_UNACK"


def test_auto_clear_and_a_new_alarm_after_clearing(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"batteryLevel": 15}), (60, {"batteryLevel": 80}), (120, {"batteryLevel": 10}))
    first, second = alarm_rows(s)
    assert (first.status, first.cleared_at, first.active_key) == ("CLEARED_UNACK", at(60), None)
    assert (second.status, second.started_at) == ("ACTIVE_UNACK", at(120))


def test_offline_device_raises_and_clears_when_seen(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "LD-0001", (0, {"power": 90}))
    assert checks.check_due(s, at(1799)) == 0
    assert checks.check_due(s, at(1800)) == 1
    assert checks.check_due(s, at(3600)) == 0
    [alarm] = alarm_rows(s)
    assert alarm.alarm_type == "offline" and alarm.started_at == at(1800)
    feed(s, "LD-0001", (4000, {"power": 90}))
    [alarm] = alarm_rows(s)
    assert alarm.status == "CLEARED_UNACK" and alarm.cleared_at == at(4000)


def test_lamp_out_only_at_night(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "LD-0001", *[(i * 60, {"power": 0}) for i in range(5)])  # 10:00 in the morning: off is fine
    assert alarm_rows(s) == []
    night = 11 * 3600  # 21:00
    feed(s, "LD-0001", *[(night + i * 60, {"power": 0}) for i in range(3)])
    [alarm] = alarm_rows(s)
    assert alarm.alarm_type == "lamp_out" and alarm.started_at == at(night + 120)


def test_lifecycle_ack_then_clear_and_every_refusal(iot: IotWorld) -> None:
    s, w = iot.session, iot.world
    feed(s, "JG-0001", (0, {"open": 1}))
    [alarm] = alarm_rows(s)
    chief = w.p("chief")
    with pytest.raises(AppError) as info:
        alarms.act(s, alarm.id, "ack", AlarmAction(), principal=w.p("citizen"))
    assert info.value.status_code == 404  # the public does not learn that it exists
    s.rollback()
    with pytest.raises(AppError) as info:  # 督办 reads the console but does not act
        alarms.act(s, alarm.id, "ack", AlarmAction(), principal=w.p("supervisor"))
    assert info.value.status_code == 403
    s.rollback()
    with pytest.raises(AppError) as info:  # another department's handler does not see it
        alarms.act(s, alarm.id, "ack", AlarmAction(), principal=w.p("handler"))
    assert info.value.status_code == 404
    s.rollback()
    alarms.act(s, alarm.id, "ack", AlarmAction(), principal=chief)
    assert alarm_rows(s)[0].status == "ACTIVE_ACK"
    with pytest.raises(AppError) as info:
        alarms.act(s, alarm.id, "ack", AlarmAction(), principal=chief)
    assert info.value.status_code == 409
    s.rollback()
    alarms.act(s, alarm.id, "clear", AlarmAction(note="已复位"), principal=w.p("handler_sz"))
    [alarm] = alarm_rows(s)
    assert alarm.status == "CLEARED_ACK" and alarm.active_key is None
    steps = [e.action for e in alarms.timeline_of(s, alarm.id)]
    assert steps[0] == "raise" and steps[-2:] == ["ack", "clear"]


def test_clear_before_ack_leaves_it_to_acknowledge(iot: IotWorld) -> None:
    s, w = iot.session, iot.world
    feed(s, "JG-0001", (0, {"open": 1}))
    [alarm] = alarm_rows(s)
    alarms.act(s, alarm.id, "clear", AlarmAction(), principal=w.p("chief"))
    assert alarm_rows(s)[0].status == "CLEARED_UNACK"
    alarms.act(s, alarm.id, "ack", AlarmAction(), principal=w.p("chief"))
    assert alarm_rows(s)[0].status == "CLEARED_ACK"


def close_case(iot: IotWorld, case_id: int) -> None:
    w = iot.world
    for name, who, extra in (
        ("file", "chief", {}),
        ("dispatch", "dispatcher", {"department_code": "SZ"}),
        ("report_back", "handler_sz", {}),
        ("recheck_pass", "inspector", {}),
        ("close", "chief", {}),
    ):
        cases.act(w.session, case_id, name, ActionInput(note="处理说明", **extra), principal=w.p(who))


def test_alarm_becomes_one_case_a_repeat_notes_it_and_closing_clears(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"open": 1}))  # the job runs inline after the commit
    [alarm] = alarm_rows(s)
    assert alarm.case_id is not None
    case = cases.get_case(s, alarm.case_id, iot.world.p("chief"))
    assert (case.source, case.source_ref, case.status) == ("sensor", f"iot-alarm:{alarm.id}", "pending_file")
    assert case.grid_id == iot.world.grids[0].id and case.urgency == "特急"
    assert case.category_id is not None
    feed(s, "JG-0001", (5, {"open": 0}), (6, {"open": 1}))
    assert s.scalar(select(func.count()).select_from(Alarm)) == 1
    notes = [e.note for e in cases.timeline_of(s, case.id) if e.action == "sensor_update"]
    assert notes == ["告警再次触发：井盖开启，数值 1"]
    close_case(iot, case.id)
    assert bridge.clear_closed(s) == 1
    [alarm] = alarm_rows(s)
    assert alarm.status == "CLEARED_UNACK" and alarm.active_key is None
    assert [e.action for e in alarms.timeline_of(s, alarm.id)][-1] == "case_closed"


def test_the_case_carries_the_devices_own_cover_type(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"open": 1}))
    [alarm] = alarm_rows(s)
    events = cases.timeline_of(s, alarm.case_id)  # type: ignore[arg-type]
    answers = {a["code"]: a["values"] for a in events[0].data["attributes"]}
    assert answers == {"cover_type": ["sewage"], "damage": ["missing"]}


def test_clearing_an_alarm_is_noted_on_its_case(iot: IotWorld) -> None:
    s, w = iot.session, iot.world
    feed(s, "JG-0001", (0, {"open": 1}))
    [alarm] = alarm_rows(s)
    alarms.act(s, alarm.id, "clear", AlarmAction(), principal=w.p("chief"))
    notes = [e.note for e in cases.timeline_of(s, alarm.case_id) if e.action == "sensor_update"]  # type: ignore[arg-type]
    assert notes == ["告警已清除：井盖开启"]


def test_an_alarm_without_a_case_category_stays_an_alarm(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"batteryLevel": 5}))
    [alarm] = alarm_rows(s)
    assert alarm.case_id is None


def test_a_flipped_or_missing_cover_is_critical_at_once(iot: IotWorld) -> None:
    s = iot.session
    feed(s, "JG-0001", (0, {"tilt": 59.9}))
    assert [a.alarm_type for a in alarm_rows(s)] == []
    feed(s, "JG-0001", (1, {"tilt": 60}))
    [alarm] = alarm_rows(s)
    assert (alarm.alarm_type, alarm.severity, alarm.started_at) == ("cover_missing", "CRITICAL", at(1))
    feed(s, "JG-0001", (3, {"tilt": 80}))  # tilted for more than 2 s by now as well
    assert sorted(a.alarm_type for a in alarm_rows(s)) == ["cover_missing", "cover_tilt"]
