"""Calendar days loaded by an administrator; they win over the chinese-calendar package."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now


class CalendarDay(Base):
    """One day of a loaded holiday schedule (节假日安排): a day off or a make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
