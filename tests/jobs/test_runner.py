"""The embedded engine (SQLite): the in-process runner, a kill -9 that loses nothing, one run per tick."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartgov import jobs
from smartgov.jobs import registry
from tests.conftest import REPO_ROOT, TEST_DATABASE_URL, wait_for
from tests.jobs.conftest import jobs_of

pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="embedded engine (SQLite) only")

# Run in a separate process: enqueue a slow job and five quick ones, then start the slow one and hang.
ENQUEUE_AND_HANG = """
import sys
from smartgov import jobs
from smartgov.db import session_scope
import tests.jobs.toy_tasks

with session_scope() as s:
    jobs.enqueue(s, "toy.slow", tag="slow")
with session_scope() as s:
    for value in range(5):
        jobs.enqueue(s, "toy.record", value=value)
print("committed", flush=True)
jobs.run_pending(limit=1)  # takes the slow job (the oldest) and sleeps inside it
"""




@pytest.fixture()
def slow_poll(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Runners poll only every 30 s: whatever runs sooner was woken by the commit."""
    from smartgov.config import reset_settings

    monkeypatch.setenv("SMARTGOV_JOBS_POLL_INTERVAL_S", "30")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_the_runner_is_woken_by_the_commit(session: Session, engine: Engine, toy, no_inline,
                                           slow_poll) -> None:
    from smartgov.jobs.worker import LocalRunner

    runner = LocalRunner(engine)
    runner.start()
    try:
        time.sleep(0.3)  # the runner is now waiting for 30 s
        jobs.enqueue(session, "toy.record", value="now")
        session.commit()
        assert wait_for(lambda: toy.CALLS == ["now"], 5)
    finally:
        runner.stop()
    assert jobs.status_counts(session)["done"] == 1


def test_a_process_killed_with_sigkill_loses_no_job(engine: Engine, session: Session, toy, no_inline,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "jobs.log"
    monkeypatch.setenv("SMARTGOV_TEST_JOBS_LOG", str(log))
    env = {**os.environ, "SMARTGOV_DATABASE_URL": str(engine.url), "SMARTGOV_JOBS_INLINE": "0",
           "SMARTGOV_TEST_JOBS_LOG": str(log), "TOY_SLOW_SECONDS": "120",
           "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen([sys.executable, "-c", ENQUEUE_AND_HANG], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for(lambda: log.exists() and "start slow" in log.read_text(), 30), child.stdout
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    states = sorted((j.task_name, j.status) for j in jobs_of(engine))
    assert states == [("toy.record", "todo")] * 5 + [("toy.slow", "doing")]

    from smartgov.jobs.worker import LocalRunner

    runner = LocalRunner(engine)  # a fresh process's runner: puts back the dead one's job, runs all
    runner.start()
    try:
        assert wait_for(lambda: jobs.status_counts(session)["done"] == 6, 15)
    finally:
        runner.stop()
    assert sorted(toy.CALLS) == [0, 1, 2, 3, 4]
    lines = log.read_text().splitlines()
    slow_lines = [line.rsplit(" ", 1)[0] for line in lines if "slow" in line]
    assert slow_lines == ["start slow", "start slow", "done slow"]
    assert lines[-1].endswith(f" {os.getpid()}")  # finished here, not by the killed process
    assert all(j.status == "succeeded" for j in jobs_of(engine))


@pytest.fixture()
def minutely(toy) -> Iterator[list[int]]:
    ticks: list[int] = []
    registry.periodic("* * * * *", "toy.minutely", label="每分钟")(lambda timestamp: ticks.append(timestamp))
    yield ticks
    registry.TASKS.pop("toy.minutely", None)


def test_a_tick_runs_once_however_many_runners(engine: Engine, session: Session, minutely: list[int],
                                               no_inline) -> None:
    from smartgov.jobs.local import TickClock

    first, second = TickClock(), TickClock()
    at = 1_790_000_040 + 15.0  # 15 s past a minute (1_790_000_040 = 29_833_334 × 60)
    assert first.enqueue_due(engine, at) == 1
    assert second.enqueue_due(engine, at) == 0  # the same tick: already enqueued by the first
    assert first.enqueue_due(engine, at + 60) == 1
    assert second.enqueue_due(engine, at + 60) == 0
    assert first.enqueue_due(engine, at + 61) == 0
    assert jobs.run_pending() == 2
    assert minutely == [1_790_000_040, 1_790_000_100]
