"""告警: raised and updated by the rules, acknowledged and cleared by people, turned into cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov import jobs
from smartgov.auth import audit
from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.errors import NotFound, ValidationFailed
from smartgov.iot.models import ALARM_SUBJECT, Alarm, Device, Rule
from smartgov.iot.workflow import ACKED, ALARM_FLOW, CLEARED, AlarmStatus
from smartgov.workflow import engine, timeline

audit.register_labels(
    {"iot_alarm.ack": "确认告警", "iot_alarm.clear": "清除告警", "iot_alarm.assign": "指派告警"},
    objects={ALARM_SUBJECT: "告警"},
)


def active_key(device_id: int, alarm_type: str) -> str:
    return f"{device_id}:{alarm_type}"


def open_alarm(session: Session, device_id: int, alarm_type: str) -> Alarm | None:
    """The device's active alarm of this type, if any (同一设备同一类型只有一条活动告警)."""
    return session.scalar(select(Alarm).where(Alarm.active_key == active_key(device_id, alarm_type)))


def trigger(session: Session, device_id: int, rule: Rule, at: datetime, value: float | None) -> Alarm:
    """A rule fired: a new alarm, or the open one of the same type updated (再次触发)."""
    alarm = open_alarm(session, device_id, rule.alarm_type)
    detail = f"{rule.alarm_label}" + (f"，数值 {value:g}" if value is not None else "")
    if alarm is not None:
        alarm.trigger_count += 1
        alarm.last_at = max(alarm.last_at, at)
        alarm.value = value
        alarm.updated_at = at
        timeline.record(
            session, ALARM_SUBJECT, alarm.id, None, "repeat", alarm.status, alarm.status, detail, at=at
        )
        if alarm.case_id is not None:
            jobs.enqueue(session, "iot.note_case", alarm_id=alarm.id, note=f"告警再次触发：{detail}")
        return alarm
    device = session.get(Device, device_id)
    assert device is not None
    alarm = Alarm(
        device_id=device_id,
        rule_id=rule.id,
        department_id=device.department_id,
        alarm_type=rule.alarm_type,
        label=rule.alarm_label,
        severity=rule.severity,
        status=AlarmStatus.ACTIVE_UNACK.value,
        active_key=active_key(device_id, rule.alarm_type),
        started_at=at,
        last_at=at,
        trigger_count=1,
        value=value,
        detail=detail,
        case_category=rule.case_category,
        updated_at=at,
    )
    session.add(alarm)
    session.flush()
    timeline.record(session, ALARM_SUBJECT, alarm.id, None, "raise", None, alarm.status, detail, at=at)
    if rule.case_category:
        jobs.enqueue(session, "iot.alarm_to_case", alarm_id=alarm.id)
    return alarm


def _cleared(session: Session, alarm: Alarm, at: datetime) -> None:
    """The alarm is no longer active; its case is told (告警清除记入案件)."""
    alarm.status = CLEARED[AlarmStatus(alarm.status)].value
    alarm.active_key = None
    alarm.cleared_at = at
    alarm.updated_at = at
    if alarm.case_id is not None:
        jobs.enqueue(session, "iot.note_case", alarm_id=alarm.id, note=f"告警已清除：{alarm.label}")


def clear_by_rule(session: Session, device_id: int, rule: Rule, at: datetime) -> bool:
    """The condition is gone: the open alarm clears by itself (自动清除)."""
    alarm = open_alarm(session, device_id, rule.alarm_type)
    if alarm is None:
        return False
    before = alarm.status
    _cleared(session, alarm, at)
    timeline.record(session, ALARM_SUBJECT, alarm.id, None, "auto_clear", before, alarm.status, None, at=at)
    return True


def clear_for_case(session: Session, alarm: Alarm, at: datetime) -> None:
    """A handler closed the alarm's case: the alarm clears (案件办结清除)."""
    if alarm.status not in CLEARED:
        return
    before = alarm.status
    alarm.status = CLEARED[AlarmStatus(alarm.status)].value
    alarm.active_key = None
    alarm.cleared_at = at
    alarm.updated_at = at
    timeline.record(session, ALARM_SUBJECT, alarm.id, None, "case_closed", before, alarm.status, None, at=at)


class AlarmAction(BaseModel):
    """Input of an alarm action (告警处置)."""

    version: int | None = Field(None, ge=0, le=2**31 - 1)
    note: str | None = Field(None, max_length=500)
    assignee: str | None = Field(None, max_length=64, description="处置人账号")


def _ack(session: Session, alarm: Alarm, data: AlarmAction, p: Principal, at: datetime) -> None:
    alarm.status = ACKED[AlarmStatus(alarm.status)].value
    alarm.acked_at = at
    alarm.acked_by_id = p.user_id


def _clear(session: Session, alarm: Alarm, data: AlarmAction, p: Principal, at: datetime) -> None:
    _cleared(session, alarm, at)


def _assign(session: Session, alarm: Alarm, data: AlarmAction, p: Principal, at: datetime) -> None:
    user = session.scalar(select(User).where(User.username == (data.assignee or "").strip()))
    if user is None or not user.is_staff:
        raise ValidationFailed("处置人账号不存在", code="unknown_assignee")
    alarm.assignee_id = user.id


ALARM_FLOW.bind_effects({"ack": _ack, "clear": _clear, "assign": _assign})


def get_alarm(session: Session, alarm_id: int, principal: Principal) -> Alarm:
    """An alarm the person may see (department scope), or 404."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or not principal.can_see_department(alarm.department_id):
        raise NotFound("告警不存在", code="alarm_not_found")
    return alarm


def act(
    session: Session,
    alarm_id: int,
    name: str,
    data: AlarmAction,
    *,
    principal: Principal,
    client_addr: str | None = None,
    at: datetime | None = None,
) -> Alarm:
    """确认 / 清除 / 指派 one alarm; refused with 409/403 and a Chinese message when not allowed."""
    ALARM_FLOW.action(name)
    alarm = get_alarm(session, alarm_id, principal)
    return engine.act(
        session,
        ALARM_FLOW,
        alarm,
        name,
        data,
        principal=principal,
        version=data.version,
        note=data.note,
        client_addr=client_addr,
        at=at,
        event_data={"assignee": data.assignee} if data.assignee else None,
    )


def timeline_of(session: Session, alarm_id: int) -> list[Any]:
    return timeline.entries(session, ALARM_SUBJECT, [alarm_id])
