"""The one table of 绩效评价 settings: weights, volume bands and grade lines (admin-editable)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
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
