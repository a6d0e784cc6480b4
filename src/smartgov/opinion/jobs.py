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
