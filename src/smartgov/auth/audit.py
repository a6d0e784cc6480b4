"""Writing to and searching the append-only audit log (审计).

Nothing here, or anywhere, edits or deletes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.auth.models import AuditEntry, User
from smartgov.config import get_settings
from smartgov.db import now

if TYPE_CHECKING:
    from smartgov.auth.principal import Principal

# Results of an audited action.
SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"
RESULTS = (SUCCESS, FAILURE, DENIED)

# Action names written by the auth domain (other domains use "<domain>.<verb>", e.g. "case.intake").
ACTION_LABELS: dict[str, str] = {
    "login": "登录",
    "logout": "退出",
    "session_expired": "会话超时",
    "account_locked": "账号锁定",
    "account_unlocked": "账号解锁",
    "token_issued": "签发访问令牌",
    "token_created": "创建个人令牌",
    "token_revoked": "吊销个人令牌",
    "user_created": "创建用户",
    "user_registered": "群众注册",
    "password_changed": "修改密码",
    "password_reset": "重置密码",
    "audit_viewed": "查阅审计日志",
    "personal_data_viewed": "查看个人信息",
    "personal_data_revealed": "显示完整个人信息",
    "activation_sent": "发送激活/重置验证码",
    "account_activated": "本人设置密码",
    "roles_changed": "变更角色",
    "registration_code_sent": "发送注册验证码",
}

# Detail fields of the auth domain and their values, as a person reads them.
FIELD_LABELS: dict[str, str] = {
    "reason": "原因", "via": "方式", "username": "用户名", "roles": "角色", "from": "原状态",
    "to": "新状态", "department_id": "部门编号", "areas": "区域编号", "is_staff": "工作人员账号",
    "failed_logins": "连续失败次数", "locked_until": "锁定至", "kinds": "信息类别", "page": "页码",
    "total": "条数", "name": "名称", "days": "有效天数", "phone": "手机号",
    "owner_activates": "由本人设置密码", "actor": "操作人", "action": "操作", "object_type": "对象类型",
    "object_id": "对象编号", "result": "结果", "client_addr": "来源地址", "date_from": "开始日期",
    "date_to": "结束日期", "note": "说明",
}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "reason": {"wrong_password": "密码错误", "unknown_user": "用户不存在", "locked": "账号锁定中",
               "disabled": "账号已停用", "wrong_old_password": "原密码错误", "logout": "主动退出",
               "idle_timeout": "空闲超时", "relogin": "重新登录", "account_unusable": "账号不可用"},
    "via": {"web": "网页登录", "token": "令牌接口", "session": "网页会话"},
    "result": {SUCCESS: "成功", FAILURE: "失败", DENIED: "拒绝"},
}
OBJECT_LABELS: dict[str, str] = {"user": "用户", "web_session": "会话", "api_token": "令牌",
                                 "audit_log": "审计日志", "phone": "手机号"}


def register_labels(actions: Mapping[str, str], *, fields: Mapping[str, str] | None = None,
                    values: Mapping[str, Mapping[str, str]] | None = None,
                    objects: Mapping[str, str] | None = None) -> None:
    """A domain gives its audit actions, detail fields, field values and object types Chinese
    labels (审计用语); the platform never imports a domain to learn them."""
    ACTION_LABELS.update(actions)
    FIELD_LABELS.update(fields or {})
    for field, labels in (values or {}).items():
        VALUE_LABELS.setdefault(field, {}).update(labels)
    OBJECT_LABELS.update(objects or {})


def action_label(action: str) -> str:
    """The Chinese name of an audited action; an action nobody registered is 其他操作."""
    return ACTION_LABELS.get(action, "其他操作")


def object_label(object_type: str | None) -> str:
    return OBJECT_LABELS.get(object_type, "其他对象") if object_type else ""


def _value_text(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "无"
    if isinstance(value, list | tuple | set):
        return "、".join(_value_text(field, v) for v in value) or "无"
    if isinstance(value, dict):
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{_value_text(k, v)}" for k, v in value.items())
    text = str(value)
    labels = VALUE_LABELS.get(field, {})
    if text in labels:
        return labels[text]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return f"{moment.astimezone(get_settings().tz):%Y-%m-%d %H:%M:%S}"


def detail_text(detail: str | None) -> str:
    """An entry's detail as readable Chinese (“原因：密码错误；方式：网页登录”), not raw JSON."""
    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return _value_text("", data)
    return "；".join(f"{FIELD_LABELS.get(k, k)}：{_value_text(k, v)}" for k, v in data.items())


def record(session: Session, *, principal: Principal | None = None, **fields: Any) -> AuditEntry:
    """Add one audit line to the session; it is committed with the change it describes.

    ``fields`` are those of ``entry_values`` (action, actor, object_type, object_id, result,
    client_addr, detail …); ``principal`` is a shortcut for its user and client address.
    """
    if principal is not None:
        fields["actor"] = fields.get("actor") or principal.user
        fields["client_addr"] = fields.get("client_addr") or principal.client_addr
    entry = AuditEntry(**entry_values(**fields))
    session.add(entry)
    return entry


def entry_values(
    *,
    action: str,
    actor: User | None = None,
    actor_name: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    result: str = SUCCESS,
    client_addr: str | None = None,
    detail: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    """The columns of one audit line (for writers that insert rows in bulk, like the intake)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, default=str)
    return {
        "at": now(),
        "actor_id": actor.id if actor else None,
        "actor_name": (actor_name or (actor.username if actor else "anonymous"))[:100],
        "action": action[:64],
        "object_type": object_type[:64] if object_type else None,
        "object_id": str(object_id)[:64] if object_id is not None else None,
        "result": result[:16],
        "client_addr": client_addr[:64] if client_addr else None,
        "detail": detail,
    }


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit search (审计查询); empty fields do not filter."""

    actor: str = ""          # user name, contains
    action: str = ""         # exact, or a prefix ending in "." ("case.")
    object_type: str = ""
    object_id: str = ""
    result: str = ""
    client_addr: str = ""    # prefix ("10.1.")
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def as_detail(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items() if v not in ("", None)}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_settings().tz)


def _conditions(q: AuditQuery) -> list[Any]:
    conds: list[Any] = []
    if q.actor:
        conds.append(AuditEntry.actor_name.contains(q.actor.strip(), autoescape=True))
    if q.action:
        action = q.action.strip()
        if action.endswith("."):
            conds.append(AuditEntry.action.startswith(action, autoescape=True))
        else:
            conds.append(AuditEntry.action == action)
    if q.object_type:
        conds.append(AuditEntry.object_type == q.object_type.strip())
    if q.object_id:
        conds.append(AuditEntry.object_id == q.object_id.strip())
    if q.result:
        conds.append(AuditEntry.result == q.result.strip())
    if q.client_addr:
        conds.append(AuditEntry.client_addr.startswith(q.client_addr.strip(), autoescape=True))
    if q.date_from:
        conds.append(AuditEntry.at >= _start_of(q.date_from))
    if q.date_to:
        conds.append(AuditEntry.at < _start_of(q.date_to + timedelta(days=1)))
    return conds


def search(session: Session, query: AuditQuery, *, page: int = 1,
           per_page: int = 50) -> tuple[list[AuditEntry], int]:
    """One page of matching entries, newest first, and the total count. Read-only.

    Callers showing the result to a person must record an ``audit_viewed`` entry
    (see ``search_as``), because reading the audit log is itself audited.
    """
    page = max(page, 1)
    per_page = min(max(per_page, 1), 500)
    conds = _conditions(query)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conds)) or 0
    rows = session.scalars(
        select(AuditEntry).where(*conds).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total


def search_as(session: Session, principal: Principal, query: AuditQuery, *, page: int = 1,
              per_page: int = 50) -> tuple[list[AuditEntry], int]:
    """Search for the audit administrator (审计管理员 only) and audit the reading; commits."""
    from smartgov.auth.roles import Role

    try:
        principal.require_any(Role.AUDIT_ADMIN)
    except Exception:
        if not principal.is_anonymous:
            record(session, action="audit_viewed", principal=principal, result=DENIED,
                   detail=query.as_detail())
            session.commit()
        raise
    rows, total = search(session, query, page=page, per_page=per_page)
    record(session, action="audit_viewed", principal=principal, object_type="audit_log",
           detail={**query.as_detail(), "page": page, "total": total})
    session.commit()
    return rows, total
