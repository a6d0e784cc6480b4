"""The 消息中心's operations: notify people and departments, send through an outbox, read state.

Domains plug in without the platform importing them: ``register_subject`` tells how to link to
a subject type (``"case"`` → ``/cases/{id}``) and ``register_kinds`` gives message kinds their
Chinese labels. Nothing here commits: the caller's transaction carries the message (and, for
the outbox, its delivery job) with the change that caused it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import ColumnElement, false, func, or_, select, update
from sqlalchemy.orm import Session

from smartgov import jobs
from smartgov.auth.principal import Principal
from smartgov.db import now
from smartgov.errors import NotFound, ValidationFailed
from smartgov.inbox.models import Notification, OutboxMessage

CHANNELS: dict[str, str] = {"sms": "短信", "email": "电子邮件"}
OUTBOX_STATUS_LABELS: dict[str, str] = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
DELIVER_TASK = "inbox.deliver"
DELIVERY_RETRIES = 5

_SUBJECT_LINKS: dict[str, Callable[[int], str | None]] = {}
_KIND_LABELS: dict[str, str] = {}


def register_subject(subject_type: str, link: Callable[[int], str | None]) -> None:
    """A domain says where a message about one of its subjects leads (主题链接)."""
    _SUBJECT_LINKS[subject_type] = link


def register_kinds(labels: Mapping[str, str]) -> None:
    """A domain gives the kinds of message it sends their Chinese labels (消息类型)."""
    _KIND_LABELS.update(labels)


def kind_label(kind: str) -> str:
    return _KIND_LABELS.get(kind, kind)


def subject_link(subject_type: str | None, subject_id: int | None) -> str | None:
    """The page of a message's subject, when its domain registered one."""
    if subject_type is None or subject_id is None:
        return None
    link = _SUBJECT_LINKS.get(subject_type)
    return link(subject_id) if link else None


def notify(
    session: Session,
    *,
    kind: str,
    message: str,
    user_id: int | None = None,
    department_id: int | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
) -> Notification:
    """Put a message in a person's or a whole department's inbox (发送站内消息)."""
    if user_id is None and department_id is None:
        raise ValueError("a notification needs a user or a department")
    note = Notification(
        user_id=user_id,
        department_id=department_id,
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        message=message,
        created_at=now(),
    )
    session.add(note)
    return note


def send(
    session: Session,
    *,
    channel: str,
    recipient: str,
    body: str,
    title: str | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
) -> OutboxMessage:
    """Queue an SMS or e-mail (待发送) and its delivery job in the caller's transaction."""
    if channel not in CHANNELS:
        raise ValidationFailed(f"未知的发送渠道：{channel}", code="unknown_channel")
    if not recipient.strip():
        raise ValidationFailed("收件人不能为空", code="recipient_required")
    message = OutboxMessage(
        channel=channel,
        recipient=recipient.strip(),
        title=title,
        body=body,
        subject_type=subject_type,
        subject_id=subject_id,
        status="pending",
        attempts=0,
        created_at=now(),
    )
    session.add(message)
    session.flush()
    jobs.enqueue(session, DELIVER_TASK, message_id=message.id)
    return message


def addressed_to(principal: Principal) -> ColumnElement[bool]:
    """Messages to this person or to their department."""
    if principal.user_id is None:
        return false()
    mine = Notification.user_id == principal.user_id
    if principal.department_id is None:
        return mine
    return or_(mine, Notification.department_id == principal.department_id)


def unread_count(session: Session, principal: Principal) -> int:
    """未读消息数: one COUNT over the (recipient, read_at) indexes."""
    if principal.user_id is None:
        return 0
    return session.scalar(
        select(func.count()).select_from(Notification).where(
            addressed_to(principal), Notification.read_at.is_(None))
    ) or 0


def messages_for(
    session: Session, principal: Principal, *, unread_only: bool = False, limit: int = 100
) -> Sequence[Notification]:
    """The newest messages to this person and their department."""
    stmt = select(Notification).where(addressed_to(principal))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)).all()


def mark_read(session: Session, principal: Principal, notification_id: int) -> Notification:
    """标为已读: one message to this person or their department."""
    note = session.scalar(
        select(Notification).where(Notification.id == notification_id, addressed_to(principal)))
    if note is None:
        raise NotFound("消息不存在", code="notification_not_found")
    if note.read_at is None:
        note.read_at = now()
    return note


def mark_all_read(session: Session, principal: Principal) -> int:
    """全部标为已读; returns how many messages were unread."""
    result = session.execute(
        update(Notification)
        .where(addressed_to(principal), Notification.read_at.is_(None))
        .values(read_at=now())
    )
    return result.rowcount or 0
