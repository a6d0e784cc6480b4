"""The PostgreSQL engine: procrastinate's tables and SQL functions, our tasks (procrastinate 引擎)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.jobs import registry
from smartgov.jobs.common import backoff_seconds, error_text
from smartgov.jobs.models import JobFailure

log = logging.getLogger("smartgov.jobs")

QUEUE = "default"
JOB_TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
              "procrastinate_workers")

# procrastinate's own deferring function (its manager's ``defer_jobs`` query), one job at a time.
DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    "CAST(:queue AS varchar), CAST(:task AS varchar), 0, NULL::text, NULL::text,"
    " CAST(:args AS jsonb), NULL::timestamptz)]::procrastinate_job_to_defer_v1[])) AS id"
)
CLAIM = text(
    "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :worker"
    " WHERE id = :id AND status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())"
    " RETURNING id, task_name, args, attempts"
)
FETCH = text(
    "SELECT id, task_name, args, attempts FROM procrastinate_fetch_job_v2(NULL, :worker)"
)
FINISH = text("SELECT procrastinate_finish_job_v1(:id, CAST(:status AS procrastinate_job_status), false)")
RETRY = text("SELECT procrastinate_retry_job_v2(:id, :at, NULL, NULL, NULL)")


def defer(session: Session, name: str, args: dict[str, Any]) -> int:
    """Insert procrastinate's job row on the session's own connection (same transaction)."""
    row = session.execute(DEFER, {"queue": QUEUE, "task": name, "args": json.dumps(args)})
    return int(row.scalar_one())


def retry_at(attempts_before: int) -> datetime:
    """When the next run may start after the run number ``attempts_before + 1`` failed."""
    return datetime.now(UTC) + timedelta(seconds=backoff_seconds(attempts_before + 1))


def record_failure(session: Session, *, job_id: int, task_name: str, attempt: int, error: str) -> None:
    session.add(JobFailure(job_id=job_id, task_name=task_name, attempt=attempt, error=error, at=now()))


def _register_worker(conn: Connection) -> int:
    return int(conn.execute(text("SELECT worker_id FROM procrastinate_register_worker_v1()")).scalar_one())


def _run(engine: Engine, claimed: Any) -> None:
    """Run one claimed job and finish it with procrastinate's functions (retry with back-off)."""
    spec = registry.get(claimed.task_name)
    failure = registry.attempt(claimed.task_name, claimed.args, claimed.id)
    with Session(engine) as session, session.begin():
        if failure is None:
            session.execute(FINISH, {"id": claimed.id, "status": "succeeded"})
            return
        record_failure(session, job_id=claimed.id, task_name=claimed.task_name,
                       attempt=claimed.attempts + 1, error=error_text(failure))
        if spec is not None and claimed.attempts < spec.retries:
            session.execute(RETRY, {"id": claimed.id, "at": retry_at(claimed.attempts)})
        else:
            session.execute(FINISH, {"id": claimed.id, "status": "failed"})


def _run_claimed(engine: Engine, claim: Any, job_ids: Iterable[int] | None, limit: int | None) -> int:
    """Claim jobs under a worker id registered for this batch (so no stalled-job check takes them)."""
    with engine.begin() as conn:
        worker = _register_worker(conn)
    ran = 0
    try:
        ids = iter(job_ids) if job_ids is not None else None
        while limit is None or ran < limit:
            params: dict[str, Any] = {"worker": worker}
            if ids is not None:
                next_id = next(ids, None)
                if next_id is None:
                    break
                params["id"] = next_id
            with engine.begin() as conn:
                claimed = conn.execute(claim, params).first()
            if claimed is None or claimed.id is None:
                if ids is None:
                    break
                continue
            _run(engine, claimed)
            ran += 1
    finally:
        with engine.begin() as conn:
            conn.execute(text("SELECT procrastinate_unregister_worker_v1(:w)"), {"w": worker})
    return ran


def run_ids(engine: Engine, job_ids: list[int]) -> int:
    """Run these jobs by id if still waiting (inline mode); a worker that took one keeps it."""
    return _run_claimed(engine, CLAIM, job_ids, None)


def run_due(engine: Engine, limit: int | None = None) -> int:
    """Fetch due jobs with procrastinate's fetch function and run them in this thread."""
    return _run_claimed(engine, FETCH, None, limit)


def retry_stalled(engine: Engine, seconds: float) -> int:
    """Put back the jobs of workers whose heartbeat stopped (procrastinate's retry of a doing job)."""
    from procrastinate.sql import queries

    with engine.begin() as conn:
        rows = conn.exec_driver_sql(
            queries["select_stalled_jobs_by_heartbeat"],
            {"queue": None, "task_name": None, "seconds_since_heartbeat": seconds},
        ).all()
        ids = [row.id for row in rows]
        for job_id in ids:
            conn.execute(RETRY, {"id": job_id, "at": datetime.now(UTC)})
        conn.execute(text("SELECT * FROM procrastinate_prune_stalled_workers_v1(:s)"), {"s": seconds})
    if ids:
        log.info("put back stalled jobs %s", list(ids))
    return len(ids)


def remove_old(engine: Engine) -> int:
    """Delete succeeded jobs finished more than a week ago (failed ones stay for the administrator)."""
    with engine.begin() as conn:
        return conn.execute(text(
            "DELETE FROM procrastinate_jobs WHERE status = 'succeeded' AND id IN ("
            " SELECT job_id FROM procrastinate_events WHERE type = 'succeeded'"
            " AND at < now() - interval '7 days')"
        )).rowcount


def schema_sql() -> str:
    """procrastinate's schema, as its SchemaManager applies it."""
    from procrastinate.schema import SchemaManager

    return SchemaManager.get_schema()


DROP_SQL = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE fn record;
BEGIN
    FOR fn IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE starts_with(p.proname, 'procrastinate') AND n.nspname = current_schema()
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || fn.sig || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
"""


def run_script(conn: Connection, sql: str) -> None:
    """Several statements at once, in the connection's transaction (psycopg's simple protocol)."""
    conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]


def install_schema(conn: Connection) -> None:
    """(Re)install procrastinate's tables, types and functions in the current schema."""
    run_script(conn, DROP_SQL)
    run_script(conn, schema_sql())


def drop_schema(conn: Connection) -> None:
    run_script(conn, DROP_SQL)
