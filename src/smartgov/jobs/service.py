"""What the administrator sees and does: counts, failed jobs, retry (任务管理)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.db import now
from smartgov.errors import Conflict, NotFound
from smartgov.jobs import queue, registry
from smartgov.jobs.common import is_postgres
from smartgov.jobs.models import DOING, FAILED, SUCCEEDED, TODO, Job

audit.register_labels({"jobs.retry": "重试后台任务"}, fields={"task": "任务"},
                      objects={"job": "后台任务"})

if TYPE_CHECKING:
    from smartgov.auth.principal import Principal

MAX_ID = 2**63 - 1
STATE_LABELS = {"queued": "排队中", "running": "执行中", "done": "已完成", "failed": "失败"}
_STATE_OF = {TODO: "queued", DOING: "running", SUCCEEDED: "done", FAILED: "failed", "aborted": "failed"}


@dataclass(frozen=True)
class FailedJob:
    id: int
    task_name: str
    label: str
    args: dict[str, Any]
    attempts: int
    error: str

    @property
    def error_line(self) -> str:
        return self.error.split("\n", 1)[0] if self.error else ""

    @property
    def args_text(self) -> str:
        return json.dumps(self.args, ensure_ascii=False, sort_keys=True)


def status_counts(session: Session) -> dict[str, int]:
    counts = dict.fromkeys(STATE_LABELS, 0)
    if is_postgres(session):
        rows = session.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"))
    else:
        rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
    for status, count in rows:
        state = _STATE_OF.get(status)
        if state:
            counts[state] += int(count)
    return counts


def failed_jobs(session: Session, limit: int = 200) -> list[FailedJob]:
    """Failed jobs, newest first, each with the error of its last attempt."""
    if is_postgres(session):
        rows = session.execute(text(
            "SELECT j.id, j.task_name, j.args, j.attempts,"
            " (SELECT f.error FROM job_failure f WHERE f.job_id = j.id ORDER BY f.id DESC LIMIT 1) AS error"
            " FROM procrastinate_jobs j WHERE j.status = 'failed' ORDER BY j.id DESC LIMIT :limit"
        ), {"limit": limit}).all()
    else:
        rows = session.execute(
            select(Job.id, Job.task_name, Job.args, Job.attempts, Job.error)
            .where(Job.status == FAILED).order_by(Job.id.desc()).limit(limit)
        ).all()
    return [FailedJob(id=r.id, task_name=r.task_name, label=registry.label_of(r.task_name),
                      args=r.args or {}, attempts=r.attempts, error=r.error or "") for r in rows]


def retry(session: Session, job_id: int, *, principal: Principal | None = None,
          actor_name: str | None = None, client_addr: str | None = None) -> str:
    """Put a failed job back in the queue for one more run (重试), audited; the caller commits."""
    if not 0 < job_id <= MAX_ID:
        raise NotFound(f"任务不存在：{job_id}")
    if is_postgres(session):
        row = session.execute(text("SELECT task_name, status::text AS status FROM procrastinate_jobs"
                                   " WHERE id = :id"), {"id": job_id}).first()
    else:
        row = session.execute(select(Job.task_name, Job.status).where(Job.id == job_id)).first()
    if row is None:
        raise NotFound(f"任务不存在：{job_id}")
    if row.status != FAILED:
        raise Conflict(f"只能重试失败的任务（任务 {job_id} 当前状态：{row.status}）")
    if is_postgres(session):
        from smartgov.jobs import pg

        session.execute(pg.RETRY, {"id": job_id, "at": datetime.now(UTC)})
    else:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == FAILED)
            .values(status=TODO, scheduled_at=now(), finished_at=None, max_attempts=Job.attempts + 1)
        )
    audit.record(session, principal=principal, actor_name=actor_name, client_addr=client_addr,
                 action="jobs.retry", object_type="job", object_id=job_id,
                 detail={"task": registry.label_of(row.task_name)})
    queue.track(session, job_id)
    return str(row.task_name)
