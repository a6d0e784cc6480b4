"""Roles of the platform (DOMAIN §1), including the three separate administrators (三权分立)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    HOTLINE_OPERATOR = "hotline_operator"
    INSPECTOR = "inspector"
    DUTY_CHIEF = "duty_chief"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    WINDOW_CLERK = "window_clerk"
    APPROVER = "approver"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    OPINION_OFFICER = "opinion_officer"
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_public(self) -> bool:
        return self in PUBLIC_ROLES


ROLE_LABELS: dict[Role, str] = {
    Role.CITIZEN: "群众",
    Role.ENTERPRISE: "企业",
    Role.HOTLINE_OPERATOR: "话务员",
    Role.INSPECTOR: "网格监督员",
    Role.DUTY_CHIEF: "值班长",
    Role.DISPATCHER: "派遣员",
    Role.HANDLER: "专业部门处置人员",
    Role.WINDOW_CLERK: "窗口人员",
    Role.APPROVER: "审批人员",
    Role.SUPERVISOR: "督办人员",
    Role.LEADER: "领导",
    Role.OPINION_OFFICER: "舆情监测员",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Personal data (个人信息) by role — the one table, applied by auth.masking:
#   话务员, 值班长, 派遣员   (the command centre) see a requester's phone and name in full to call
#                          back or ask where exactly (each view of one object audited);
#   处置人员, 监督员         see them masked, with a 'reveal' action (显示完整信息) that is audited;
#   every other role       sees them masked (督办, 领导, 窗口, 审批, the three administrators …).
# Lists and exports are masked for everyone.
SEES_PERSONAL_DATA = frozenset({Role.HOTLINE_OPERATOR, Role.DUTY_CHIEF, Role.DISPATCHER})
MAY_REVEAL_PERSONAL_DATA = frozenset({Role.HANDLER, Role.INSPECTOR})
# Command-centre roles working across every department (指挥中心); others see their department.
CITYWIDE_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.DUTY_CHIEF, Role.DISPATCHER,
                            Role.SUPERVISOR, Role.LEADER})
# Roles held by accounts of the public (群众 / 企业); every other role is a staff role.
PUBLIC_ROLES = frozenset({Role.CITIZEN, Role.ENTERPRISE})
STAFF_ROLES = frozenset(set(Role) - PUBLIC_ROLES)


def parse_role(value: str | Role) -> Role:
    """The Role named ``value`` (its code like "dispatcher" or its Chinese label like "派遣员")."""
    if isinstance(value, Role):
        return value
    text = str(value).strip()
    try:
        return Role(text.lower())
    except ValueError:
        for role, label in ROLE_LABELS.items():
            if label == text:
                return role
    from smartgov.errors import ValidationFailed

    known = ", ".join(r.value for r in Role)
    raise ValidationFailed(f"未知角色：{text} (unknown role; one of {known})", code="unknown_role")
