"""Tables of the workflow engine: the timeline of any subject and requests awaiting a decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now


class TimelineEvent(Base):
    """One step in the history of a subject (流转记录): who, when, what, from/to state, why.

    Append-only: nothing edits or deletes it. Files that came with the step link to it
    (files.FileLink.event_id)."""

    __tablename__ = "timeline_event"
    __table_args__ = (Index("ix_timeline_event_subject", "subject_type", "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)


class PendingRequest(Base):
    """A request awaiting a decision on a subject (待审核申请): 回退, 延期, 挂账, 派单异议, 补正 …"""

    __tablename__ = "pending_request"
    __table_args__ = (Index("ix_pending_request_subject", "subject_type", "subject_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/approved/refused/withdrawn
    reason: Mapped[str] = mapped_column(Text)
    extension: Mapped[str | None] = mapped_column(String(16))  # a time limit such as 2wd
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
