"""The job engine's own housekeeping tasks (内置任务), registered with the settings of the moment."""

from __future__ import annotations

from smartgov.config import get_settings
from smartgov.jobs import registry

RETRY_STALLED, REMOVE_OLD = registry.HOUSEKEEPING


def retry_stalled() -> int:
    """Put back the jobs of workers that stopped sending heartbeats (a worker killed mid-job)."""
    from smartgov.db import get_engine
    from smartgov.jobs import local, pg
    from smartgov.jobs.common import is_postgres

    engine = get_engine()
    if is_postgres(engine):
        return pg.retry_stalled(engine, get_settings().jobs_stalled_after_s)
    return local.recover_orphans(engine)


def remove_old() -> int:
    """Delete succeeded jobs older than a week."""
    from smartgov.db import get_engine
    from smartgov.jobs import local, pg
    from smartgov.jobs.common import is_postgres

    engine = get_engine()
    return pg.remove_old(engine) if is_postgres(engine) else local.remove_old(engine)


def register() -> None:
    """Register (or re-register with the current cron settings) the housekeeping tasks."""
    registry.periodic(get_settings().jobs_stalled_cron, RETRY_STALLED, label="恢复中断的任务")(retry_stalled)
    registry.periodic("17 3 * * *", REMOVE_OLD, label="清理已完成任务")(remove_old)
