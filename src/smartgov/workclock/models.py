"""Tables of the working clock: loaded calendar days and the work timers of any subject."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now


class CalendarDay(Base):
    """One day of a loaded holiday schedule (节假日安排): a day off or a make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)


class WorkTimer(Base):
    """One timer of a subject on the working calendar (计时器): a stage of a case, a department's
    share of a parallel approval … Several may run at once for one subject; pauses and
    extensions are kept as segments in ``state`` (WorkClock.to_dict())."""

    __tablename__ = "work_timer"
    __table_args__ = (
        Index("ix_work_timer_subject", "subject_type", "subject_id", "ended_at"),
        Index("ix_work_timer_running", "ended_at", "paused"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))
    limit_text: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    warning_level: Mapped[int] = mapped_column(Integer, default=0)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[dict] = mapped_column(JSON)
