"""The embedded engine (SQLite): our ``job`` table, claimed and finished row by row (内嵌任务引擎)."""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import croniter
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.jobs import registry
from smartgov.jobs.common import backoff_seconds, error_text, runner_identity
from smartgov.jobs.models import DOING, FAILED, SUCCEEDED, TODO, Job

log = logging.getLogger("smartgov.jobs")

MAX_TICK_DELAY_S = 600  # a tick missed by more than this (the process was down) is skipped
ORPHAN_AFTER = timedelta(hours=1)  # a job doing this long under a live-looking process is put back
KEEP_SUCCEEDED = timedelta(days=7)


_JOB = Job.__table__
_INSERT_JOB = insert(_JOB).returning(_JOB.c.id)  # built once: it runs with every report


def defer(session: Session, name: str, args: dict[str, Any], *, lock_key: str | None = None) -> int:
    spec = registry.get(name)
    row = session.connection().execute(_INSERT_JOB, {
        "task_name": name, "args": args, "status": TODO, "attempts": 0,
        "max_attempts": spec.max_attempts if spec else 6, "scheduled_at": now(), "lock_key": lock_key,
    })
    return int(row.scalar_one())


def _claim(engine: Engine, job_id: int | None, batch: int = 1) -> list[Any]:
    """Mark due jobs doing for this process (the given one, or up to ``batch`` of the oldest due)
    in one transaction; returns what was claimed."""
    moment = now()
    due = (Job.status == TODO) & (Job.scheduled_at <= moment)
    if job_id is None:
        targets = select(Job.id).where(due).order_by(Job.scheduled_at, Job.id).limit(batch)
        condition = Job.id.in_(targets) & (Job.status == TODO)
    else:
        condition = (Job.id == job_id) & due
    with engine.begin() as conn:
        rows = conn.execute(
            update(Job)
            .where(condition)
            .values(status=DOING, attempts=Job.attempts + 1, started_at=moment, finished_at=None,
                    claimed_by=runner_identity())
            .returning(Job.id, Job.task_name, Job.args, Job.attempts, Job.max_attempts)
        ).all()
    return sorted(rows, key=lambda r: r.id)


def _finish(engine: Engine, claimed: Any, error: BaseException | None) -> None:
    mine = (Job.id == claimed.id) & (Job.status == DOING) & (Job.claimed_by == runner_identity())
    moment = now()
    if error is None:
        values: dict[str, Any] = {"status": SUCCEEDED, "finished_at": moment, "error": None}
    elif claimed.attempts < claimed.max_attempts:
        values = {"status": TODO, "error": error_text(error),
                  "scheduled_at": moment + timedelta(seconds=backoff_seconds(claimed.attempts))}
    else:
        values = {"status": FAILED, "finished_at": moment, "error": error_text(error)}
    with engine.begin() as conn:
        conn.execute(update(Job).where(mine).values(**values))


def _run(engine: Engine, claimed: Any) -> None:
    _finish(engine, claimed, registry.attempt(claimed.task_name, claimed.args, claimed.id))


def run_ids(engine: Engine, job_ids: list[int]) -> int:
    """Run these jobs if they are still waiting and due (a runner may have taken them already)."""
    ran = 0
    for job_id in job_ids:
        for claimed in _claim(engine, job_id):
            _run(engine, claimed)
            ran += 1
    return ran


CLAIM_BATCH = 20  # jobs claimed in one transaction; a runner that dies leaves them to recover_orphans


def run_due(engine: Engine, limit: int | None = None) -> int:
    """Run due jobs, a claimed batch at a time, until none is left (or ``limit`` ran)."""
    ran = 0
    while limit is None or ran < limit:
        batch = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - ran)
        claimed = _claim(engine, None, batch)
        if not claimed:
            break
        for job in claimed:
            _run(engine, job)
        ran += len(claimed)
    return ran


def _process_gone(claimed_by: str | None, started_at: datetime | None) -> bool:
    if not claimed_by:
        return True
    host, _, rest = claimed_by.partition(":")
    pid_text, _, _token = rest.partition(":")
    if host != socket.gethostname():
        return started_at is not None and now() - started_at > ORPHAN_AFTER
    if claimed_by != runner_identity() and pid_text == str(os.getpid()):
        return True  # this pid belonged to a process before us (a restart reusing the pid)
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return True
    except PermissionError:
        pass
    return started_at is not None and now() - started_at > ORPHAN_AFTER


def recover_orphans(engine: Engine) -> int:
    """Put back jobs left doing by a process that died (kill -9, power cut); returns how many."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(Job.id, Job.claimed_by, Job.started_at, Job.attempts, Job.max_attempts)
            .where(Job.status == DOING)
        ).all()
        recovered = 0
        for row in rows:
            if not _process_gone(row.claimed_by, row.started_at):
                continue
            still_doing = (Job.id == row.id) & (Job.status == DOING) & (Job.claimed_by == row.claimed_by)
            if row.attempts >= row.max_attempts:
                values: dict[str, Any] = {"status": FAILED, "finished_at": now(),
                                          "error": "执行中进程终止 (the process running the job died)"}
            else:
                values = {"status": TODO, "scheduled_at": now(), "claimed_by": None}
            recovered += conn.execute(update(Job).where(still_doing).values(**values)).rowcount
    if recovered:
        log.info("put back %s jobs of a process that died", recovered)
    return recovered


def remove_old(engine: Engine) -> int:
    """Delete succeeded jobs older than a week (the failed ones stay for the administrator)."""
    with engine.begin() as conn:
        return conn.execute(
            delete(Job).where(Job.status == SUCCEEDED, Job.finished_at < now() - KEEP_SUCCEEDED)
        ).rowcount


def _periodic() -> list[registry.TaskSpec]:
    return [spec for spec in registry.periodic_tasks() if spec.name not in registry.HOUSEKEEPING]


class TickClock:
    """Enqueues one job per cron tick of each periodic task; the unique ``task@tick`` key lets
    several runners on one database enqueue the same tick and get one job."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def due_ticks(self, at: float) -> list[tuple[registry.TaskSpec, int]]:
        found = []
        for spec in _periodic():
            cron = croniter.croniter(spec.cron)
            since = self.last.get(spec.name)
            if since is None:
                cron.set_current(start_time=at)
                tick = round(cron.get_prev(ret_type=float))
                if at - tick <= MAX_TICK_DELAY_S:
                    found.append((spec, int(tick)))
                self.last[spec.name] = int(tick)
                continue
            cron.set_current(start_time=since)
            while (tick := round(cron.get_next(ret_type=float))) <= at:
                found.append((spec, int(tick)))
                self.last[spec.name] = int(tick)
        return found

    def seconds_to_next(self, at: float) -> float:
        nexts = [croniter.croniter(s.cron, at).get_next(ret_type=float) for s in _periodic()]
        return max(0.0, min(nexts) - at) if nexts else float("inf")

    def enqueue_due(self, engine: Engine, at: float | None = None) -> int:
        at = time.time() if at is None else at
        added = 0
        for spec, tick in self.due_ticks(at):
            with engine.begin() as conn:
                added += conn.execute(
                    sqlite_insert(Job)
                    .values(task_name=spec.name, args={"timestamp": tick}, status=TODO, attempts=0,
                            max_attempts=spec.max_attempts,
                            scheduled_at=datetime.fromtimestamp(tick, UTC),
                            lock_key=f"{spec.name}@{tick}")
                    .on_conflict_do_nothing(index_elements=["lock_key"])
                ).rowcount
        return added
