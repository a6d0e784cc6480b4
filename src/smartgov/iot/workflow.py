"""告警处置流程 as data (DOMAIN §6): 未确认 → 已确认 → 已清除未确认 / 已清除已确认."""

from __future__ import annotations

from enum import StrEnum

from smartgov.auth.roles import Role
from smartgov.iot.models import ALARM_SUBJECT
from smartgov.workflow.machine import Action, Field, Machine


class AlarmStatus(StrEnum):
    ACTIVE_UNACK = "ACTIVE_UNACK"
    ACTIVE_ACK = "ACTIVE_ACK"
    CLEARED_UNACK = "CLEARED_UNACK"
    CLEARED_ACK = "CLEARED_ACK"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    AlarmStatus.ACTIVE_UNACK: "告警中·未确认",
    AlarmStatus.ACTIVE_ACK: "告警中·已确认",
    AlarmStatus.CLEARED_UNACK: "已清除·未确认",
    AlarmStatus.CLEARED_ACK: "已清除·已确认",
}
ACTIVE = frozenset({AlarmStatus.ACTIVE_UNACK, AlarmStatus.ACTIVE_ACK})
UNACKED = frozenset({AlarmStatus.ACTIVE_UNACK, AlarmStatus.CLEARED_UNACK})
# Acknowledging keeps the alarm active or cleared; clearing keeps it acknowledged or not.
ACKED = {AlarmStatus.ACTIVE_UNACK: AlarmStatus.ACTIVE_ACK, AlarmStatus.CLEARED_UNACK: AlarmStatus.CLEARED_ACK}
CLEARED = {
    AlarmStatus.ACTIVE_UNACK: AlarmStatus.CLEARED_UNACK,
    AlarmStatus.ACTIVE_ACK: AlarmStatus.CLEARED_ACK,
}


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    MAJOR = "MAJOR"
    MINOR = "MINOR"
    WARNING = "WARNING"
    INDETERMINATE = "INDETERMINATE"

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self]


SEVERITY_LABELS = {
    Severity.CRITICAL: "紧急",
    Severity.MAJOR: "重要",
    Severity.MINOR: "次要",
    Severity.WARNING: "提示",
    Severity.INDETERMINATE: "不确定",
}
# 案件紧急程度 of the case an alarm becomes, by severity
SEVERITY_URGENCY = {
    Severity.CRITICAL: "特急",
    Severity.MAJOR: "紧急",
    Severity.MINOR: "一般",
    Severity.WARNING: "一般",
    Severity.INDETERMINATE: "一般",
}

# 指挥中心 and the owning department's staff handle alarms; the system administrator keeps the rules.
OPERATOR_ROLES = frozenset(
    {
        str(Role.DUTY_CHIEF),
        str(Role.DISPATCHER),
        str(Role.HANDLER),
        str(Role.INSPECTOR),
        str(Role.SYSTEM_ADMIN),
    }
)
READER_ROLES = OPERATOR_ROLES | {str(Role.LEADER), str(Role.SUPERVISOR)}
RULE_EDITORS = frozenset({str(Role.SYSTEM_ADMIN)})


def _in_scope(alarm: object, principal: object) -> str | None:
    """A department's staff act on their own department's devices only."""
    department_id = getattr(alarm, "department_id", None)
    if principal.can_see_department(department_id):  # type: ignore[attr-defined]
        return None
    return "该告警不属于您所在部门"


ALARM_FLOW = Machine(
    subject_type=ALARM_SUBJECT,
    subject_label="告警",
    states={s.value: s.label for s in AlarmStatus},
    stages={},
    actions={
        "ack": Action("ack", "确认", frozenset(UNACKED), OPERATOR_ROLES, guards=(_in_scope,)),
        "clear": Action(
            "clear",
            "清除",
            frozenset(ACTIVE),
            OPERATOR_ROLES,
            guards=(_in_scope,),
            style="danger",
            fields=(Field("note", "清除说明", placeholder="如：已现场复位"),),
        ),
        "assign": Action(
            "assign",
            "指派",
            frozenset(ACTIVE),
            frozenset({str(Role.DUTY_CHIEF), str(Role.DISPATCHER), str(Role.SYSTEM_ADMIN)}),
            guards=(_in_scope,),
            fields=(Field("assignee", "处置人账号", required=True),),
        ),
    },
    step_labels={
        "raise": "产生告警",
        "repeat": "再次触发",
        "auto_clear": "条件消失自动清除",
        "case_opened": "转为案件",
        "case_closed": "案件办结清除",
    },
)
