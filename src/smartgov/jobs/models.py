"""Tables of the job engine: our durable job record on SQLite, failure texts on PostgreSQL (任务记录)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base

TODO = "todo"
DOING = "doing"
SUCCEEDED = "succeeded"
FAILED = "failed"
STATUSES = (TODO, DOING, SUCCEEDED, FAILED)


class Job(Base):
    """One job on the embedded engine (SQLite): claimed todo → doing, then succeeded or failed."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_scheduled_at", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_name: Mapped[str] = mapped_column(String(128))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=TODO)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=6)
    scheduled_at: Mapped[datetime] = mapped_column(AwareDateTime())
    started_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    # "task@tick" for a periodic tick: unique, so a tick is enqueued (and run) once.
    lock_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The runner that claimed the job ("host:pid:token"), to put back jobs of a runner that died.
    claimed_by: Mapped[str | None] = mapped_column(String(120))


class JobFailure(Base):
    """A failed attempt of a procrastinate job with its error text (PostgreSQL keeps none itself)."""

    __tablename__ = "job_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(BigInteger, index=True)
    task_name: Mapped[str] = mapped_column(String(128))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
