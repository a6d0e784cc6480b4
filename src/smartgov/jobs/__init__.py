"""Durable background jobs on an existing engine (后台任务).

Every side effect after a commit is a job enqueued **in the same transaction** as the change:
``jobs.enqueue(session, "cases.route_new_case", case_id=7)`` adds the job's row through the
caller's session and never commits; commit and rollback take the job with the change.

Engines
-------
* PostgreSQL: jobs are procrastinate's. ``enqueue`` runs procrastinate's own SQL function
  ``procrastinate_defer_jobs_v1`` (the one behind its manager's ``defer_jobs`` query) on the
  session's connection, so the row in ``procrastinate_jobs`` belongs to the caller's transaction.
  ``smartgov worker`` runs a procrastinate worker (any number, on any machines; a job is fetched
  by one worker with ``FOR UPDATE SKIP LOCKED``). Retries use procrastinate's retry strategy with
  exponential back-off; periodic tasks use ``app.periodic`` (one job per tick through
  ``procrastinate_periodic_defers``); a built-in periodic task ``jobs.retry_stalled`` puts back
  the jobs of workers whose heartbeat stopped (a worker killed with kill -9). procrastinate
  keeps no exception text, so the task wrapper writes it to ``job_failure``.
* SQLite (the embedded default): jobs are rows of our table ``job``. ``smartgov serve`` runs an
  in-process runner thread over that table (woken at once by an ``after_commit`` hook of a
  session that enqueued); a kill -9 loses nothing: ``todo`` jobs wait in the file and ``doing``
  jobs whose process is gone are put back when a runner starts. Periodic ticks are rows with a
  unique ``lock_key`` ``task@tick``, so a tick runs once.

Inline mode (``SMARTGOV_JOBS_INLINE``, on in the tests): right after a session that enqueued
commits, its jobs run in the committing thread — still claimed, run and finished through the
durable record (SQLite: our ``job`` row; PostgreSQL: procrastinate's row is claimed
``todo → doing`` by id under a registered procrastinate worker id and finished with
``procrastinate_finish_job_v1`` / ``procrastinate_retry_job_v2``), so a job claimed elsewhere is
never run twice.

Retries: ``@jobs.task(name, retries=5)`` means up to 5 more runs after a failure (6 in all); the
wait before retry n is ``SMARTGOV_JOBS_RETRY_BASE_S ** n`` seconds (2, 4, 8 …) on both engines. A
job that still fails is kept as failed with its error (SQLite ``job.error``; PostgreSQL
``job_failure``) and listed on /admin/jobs, where the system administrator retries it (audited).

Where jobs run: ``smartgov serve`` starts the SQLite runner thread, or on PostgreSQL a procrastinate
worker thread, unless ``--no-worker`` (``SMARTGOV_INPROCESS_WORKER=0``) or inline mode;
``smartgov worker`` runs them in the foreground (on PostgreSQL any number of them, anywhere).

Domains register tasks in ``<domain>/jobs.py`` with ``@jobs.task`` / ``@jobs.periodic``; the
composition root loads them with ``registry.load_task_modules(domains.JOB_MODULES)``, plus any
modules named in ``SMARTGOV_JOB_MODULES`` (comma-separated).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartgov.jobs.registry import load_task_modules, periodic, task

__all__ = ["enqueue", "load_task_modules", "periodic", "run_pending", "status_counts", "task"]


def enqueue(session: Session, name: str, **kwargs: Any) -> None:
    """Add a job to the caller's transaction (入队); it is committed or rolled back with the change."""
    from smartgov.jobs import queue

    queue.enqueue(session, name, **kwargs)


def run_pending(limit: int | None = None) -> int:
    """Run the jobs that are due now in this thread (both engines); returns how many ran."""
    from smartgov.jobs import queue

    return queue.run_pending(limit)


def status_counts(session: Session) -> dict[str, int]:
    """Jobs by state: queued (排队中), running (执行中), done (已完成), failed (失败)."""
    from smartgov.jobs import service

    return service.status_counts(session)
