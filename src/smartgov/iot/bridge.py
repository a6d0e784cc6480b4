"""告警转案件: an alarm becomes a case through the case hub's one intake (来源: 物联感知)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases import service as cases
from smartgov.cases.schemas import CaseIntake, Source
from smartgov.db import now
from smartgov.errors import AppError
from smartgov.iot import alarms
from smartgov.iot.models import ALARM_SUBJECT, Alarm, Device, Rule
from smartgov.iot.workflow import ACTIVE, SEVERITY_URGENCY, Severity
from smartgov.workflow import timeline

# The sensor channel reports as the command centre's machine: a staff identity with the 值班长 role
# that is no stored account (nothing can log in as it); the timeline shows it as 物联感知.
SENSOR = Principal(
    user=User(username="iot-sensor", display_name="物联感知", is_staff=True, password_hash="!"),
    roles=frozenset({str(Role.DUTY_CHIEF)}),
    via="system",
)


def case_attributes(rule: Rule | None, device: Device) -> dict[str, list[str]]:
    """附加信息 of the case: the rule's answers, with the device's own (井盖类型) where it has one."""
    answers = {k: list(v) for k, v in ((rule.case_attributes if rule else None) or {}).items()}
    for code in answers:
        own = (device.attributes or {}).get(code)
        if own:
            answers[code] = [str(own)]
    return answers


def open_case(session: Session, alarm_id: int) -> int | None:
    """File the alarm's case once (source_ref ``iot-alarm:<id>``) and link it to the alarm."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or alarm.case_id is not None or alarm.status not in ACTIVE or not alarm.case_category:
        return None
    device = session.get(Device, alarm.device_id)
    assert device is not None
    rule = session.get(Rule, alarm.rule_id) if alarm.rule_id else None
    where = device.address or device.name
    data = CaseIntake(
        source=Source.SENSOR,
        category_code=alarm.case_category,
        title=f"{alarm.label}：{device.name}",
        description=f"设备 {device.code}（{device.name}）于 {alarm.started_at:%Y-%m-%d %H:%M:%S} "
        f"报警：{alarm.detail}。位置：{where}",
        address=device.address,
        lon=device.lon,
        lat=device.lat,
        urgency=SEVERITY_URGENCY.get(Severity(alarm.severity), "一般"),  # type: ignore[arg-type]
        source_ref=f"iot-alarm:{alarm.id}",
        attributes=case_attributes(rule, device),
    )
    alarm_pk, at = alarm.id, now()
    case = cases.intake(session, data, principal=SENSOR)  # commits the case
    alarm = session.get(Alarm, alarm_pk)
    assert alarm is not None
    alarm.case_id = case.id
    timeline.record(
        session,
        ALARM_SUBJECT,
        alarm.id,
        None,
        "case_opened",
        alarm.status,
        alarm.status,
        f"案件编号 {case.case_no}",
        at=at,
    )
    session.commit()
    return case.id


def note_case(session: Session, alarm_id: int, note: str) -> None:
    """A repeated trigger or a clearing is written on the alarm's case (not a new case)."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or alarm.case_id is None:
        return
    try:
        case = cases.get_case(session, alarm.case_id, SENSOR)
    except AppError:
        return
    cases.add_event(session, case, None, "sensor_update", case.status, case.status, note[:200])
    session.commit()


def clear_closed(session: Session, at: datetime | None = None) -> int:
    """Active alarms whose case a handler has closed are cleared (案件办结清除告警)."""
    at = at or now()
    done = 0
    for alarm in session.scalars(
        select(Alarm).where(Alarm.active_key.is_not(None), Alarm.case_id.is_not(None))
    ):
        try:
            case = cases.get_case(session, alarm.case_id, SENSOR)  # type: ignore[arg-type]
        except AppError:
            continue
        if case.closed_at is not None:
            alarms.clear_for_case(session, alarm, at)
            done += 1
    session.commit()
    return done
