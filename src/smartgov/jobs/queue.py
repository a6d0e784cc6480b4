"""Enqueueing in the caller's transaction and running what a commit released (入队与执行)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.jobs.common import engine_of, is_postgres

log = logging.getLogger("smartgov.jobs")

_PENDING = "smartgov.jobs.pending"
# Set when a session that enqueued commits: wakes the in-process runners of this process at once.
wake = threading.Event()


def _after_commit(session: Session) -> None:
    job_ids: list[int] = session.info.pop(_PENDING, [])
    if not job_ids:
        return
    wake.set()
    if get_settings().jobs_inline:
        run_inline(engine_of(session), job_ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def track(session: Session, job_id: int) -> None:
    """Remember a job of this transaction: its commit wakes the runner (or runs it, inline)."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        if not session.info.get("smartgov.jobs.hooked"):
            session.info["smartgov.jobs.hooked"] = True
            event.listen(session, "after_commit", _after_commit)
            event.listen(session, "after_rollback", _after_rollback)
    pending.append(job_id)


def enqueue(session: Session, name: str, **kwargs: Any) -> None:
    """Write the job's row through ``session`` (not committed here)."""
    args = json.loads(json.dumps(kwargs))  # refuse what a worker could not read back
    if is_postgres(session):
        from smartgov.jobs import pg

        job_id = pg.defer(session, name, args)
    else:
        from smartgov.jobs import local

        job_id = local.defer(session, name, args)
    track(session, job_id)


def run_inline(engine: Engine, job_ids: list[int]) -> None:
    """Run the jobs a commit released, in this thread, through the durable record."""
    try:
        if is_postgres(engine):
            from smartgov.jobs import pg

            pg.run_ids(engine, job_ids)
        else:
            from smartgov.jobs import local

            local.run_ids(engine, job_ids)
    except Exception:  # the change is committed; a job that cannot start waits for a runner
        log.exception("inline jobs %s could not run", job_ids)


def run_pending(limit: int | None = None) -> int:
    from smartgov.db import get_engine

    engine = get_engine()
    if is_postgres(engine):
        from smartgov.jobs import builtin, pg

        builtin.register()
        return pg.run_due(engine, limit)
    from smartgov.jobs import local

    return local.run_due(engine, limit)
