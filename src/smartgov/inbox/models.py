"""Tables of the 消息中心: notifications (站内消息) and the outbox of SMS and e-mail (待发消息)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now


class Notification(Base):
    """A message in one person's or one whole department's inbox (消息提醒), about any subject.

    A department message is shared: whoever of the department reads it reads it for all."""

    __tablename__ = "inbox_notification"
    __table_args__ = (
        Index("ix_inbox_notification_user_read", "user_id", "read_at"),
        Index("ix_inbox_notification_department_read", "department_id", "read_at"),
        Index("ix_inbox_notification_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    subject_type: Mapped[str | None] = mapped_column(String(32))  # "case", "application" …
    subject_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class OutboxMessage(Base):
    """A message to send outside the platform (短信, 电子邮件) with its delivery status."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_channel_status", "channel", "status"),
        Index("ix_outbox_message_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | email
    recipient: Mapped[str] = mapped_column(String(200))  # phone number or e-mail address
    title: Mapped[str | None] = mapped_column(String(200))  # the e-mail subject line
    body: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
