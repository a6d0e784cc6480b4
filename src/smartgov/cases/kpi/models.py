"""The one table of 绩效评价 settings: weights, volume bands and grade lines (admin-editable)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now


class KpiSetting(Base):
    """A named set of KPI settings (考核参数) as JSON; missing keys fall back to the defaults.

    ``data`` holds ``{"weights": {subject: {component: percent}}, "bands": [[min_count, score]],
    "grades": [[letter, min_score]], "exclude_parked": bool}`` (see ``smartgov.cases.kpi.service``).
    """

    __tablename__ = "kpi_setting"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class KpiDailyCount(Base):
    """日汇总: one subject's counts (件数) for one group — department, person or area — over the
    cases reported (受理) on one day, as ``service.COUNTERS`` computes them for that day."""

    __tablename__ = "kpi_daily_count"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counts: Mapped[dict] = mapped_column(JSON)


class KpiRollupDay(Base):
    """已汇总日: a day whose figures ``kpi_daily_count`` holds, and the time they were computed."""

    __tablename__ = "kpi_rollup_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(AwareDateTime())


class KpiRollupMark(Base):
    """汇总进度: how far the roll-up has read the timeline (流转记录) and the clocks."""

    __tablename__ = "kpi_rollup_mark"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, default=0)  # newest timeline row read
    prior_event_id: Mapped[int] = mapped_column(BigInteger, default=0)  # the run before's
    refreshed_at: Mapped[datetime] = mapped_column(AwareDateTime())
