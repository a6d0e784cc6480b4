"""Follow-up work of 舆情 (舆情后台任务): the pipeline per batch, 专题 backfill, collection, cooling."""

from __future__ import annotations

from smartgov import jobs
from smartgov.db import session_scope


@jobs.task("opinion.process", retries=3, label="舆情信息分析")
def process(*, item_ids: list[int]) -> None:
    """Run the pipeline over a batch of new items; alerts reach the officers' inboxes in the same commit."""
    from smartgov.opinion import pipeline

    with session_scope() as session:
        pipeline.process(session, item_ids)


@jobs.task("opinion.backfill_subject", retries=2, label="专题回溯匹配")
def backfill_subject(*, subject_id: int) -> None:
    """Match a new 专题 against the items already stored."""
    from smartgov.opinion import service

    with session_scope() as session:
        service.backfill_subject(session, subject_id)


@jobs.periodic("* * * * *", "opinion.collect_due", label="舆情定时采集")
def collect_due() -> None:
    """Poll the feeds and pages whose interval has passed."""
    from smartgov.opinion import collect

    collect.collect_due()


@jobs.periodic("0 8 * * *", "opinion.daily_report", label="舆情日报")
def daily_report() -> None:
    """舆情日报 of yesterday, to the officers' inboxes."""
    from smartgov.opinion import reports

    with session_scope() as session:
        reports.generate(session, "daily")


@jobs.periodic("0 8 * * 1", "opinion.weekly_report", label="舆情周报")
def weekly_report() -> None:
    """舆情周报 of the last seven days, on Monday mornings."""
    from smartgov.opinion import reports

    with session_scope() as session:
        reports.generate(session, "weekly")


@jobs.periodic("30 3 * * *", "opinion.purge", label="舆情数据到期清理")
def purge() -> None:
    """Delete collected items past their retention period (保留期限)."""
    from smartgov.opinion import reports

    with session_scope() as session:
        reports.purge(session)
