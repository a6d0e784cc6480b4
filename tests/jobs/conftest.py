"""Fixtures of the job engine's tests: toy tasks, inline mode off, reading a job on either engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from tests.jobs import toy_tasks


@pytest.fixture()
def toy() -> Iterator[object]:
    """Only the toy tasks are registered during the test (domains' periodic tasks would run too)."""
    from smartgov.jobs import registry

    saved = dict(registry.TASKS)
    registry.TASKS.clear()
    registry.TASKS.update({name: spec for name, spec in saved.items() if name.startswith("toy.")})
    toy_tasks.CALLS.clear()
    toy_tasks.FLAKY["fail"] = True
    yield toy_tasks
    toy_tasks.CALLS.clear()
    registry.TASKS.clear()
    registry.TASKS.update(saved)


@pytest.fixture()
def no_inline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Jobs wait in the durable record after the commit (as with `smartgov serve`)."""
    from smartgov.config import reset_settings

    monkeypatch.setenv("SMARTGOV_JOBS_INLINE", "0")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@dataclass
class JobState:
    id: int
    task_name: str
    status: str
    attempts: int
    scheduled_at: datetime | None


def jobs_of(engine: Engine) -> list[JobState]:
    """Every job, oldest first, from procrastinate's table or ours."""
    table = "procrastinate_jobs" if engine.dialect.name == "postgresql" else "job"
    status = "status::text" if engine.dialect.name == "postgresql" else "status"
    with engine.connect() as conn:
        rows = conn.execute(text(
            f"SELECT id, task_name, {status} AS status, attempts, scheduled_at FROM {table} ORDER BY id"
        )).all()
    found = []
    for row in rows:
        moment = row.scheduled_at
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if moment is not None and moment.tzinfo is None:
            from datetime import UTC

            moment = moment.replace(tzinfo=UTC)
        found.append(JobState(row.id, row.task_name, row.status, row.attempts, moment))
    return found


def make_due(engine: Engine) -> None:
    """Bring every waiting job's time forward to now (instead of sleeping through the back-off)."""
    table = "procrastinate_jobs" if engine.dialect.name == "postgresql" else "job"
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"UPDATE {table} SET scheduled_at = now() - interval '1 second'"
                              " WHERE status = 'todo'"))
        else:
            conn.execute(text(f"UPDATE {table} SET scheduled_at = '2000-01-01 00:00:00.000000'"
                              " WHERE status = 'todo'"))
