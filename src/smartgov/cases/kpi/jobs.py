"""Background work of 绩效评价: the daily roll-up of the performance figures (绩效日汇总)."""

from __future__ import annotations

from smartgov import jobs
from smartgov.cases.kpi import service
from smartgov.db import session_scope


@jobs.periodic(f"*/{service.ROLLUP_MINUTES} * * * *", "cases.kpi_rollup", label="绩效日汇总")
def refresh_rollup() -> None:
    """Store the figures of past days that are new or changed since the last run."""
    with session_scope() as session:
        service.refresh_rollup(session)
