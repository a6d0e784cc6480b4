"""procrastinate workers as separate processes on the PostgreSQL test database: one run per periodic
tick with two workers, enqueued jobs picked up, a worker killed mid-job has its job recovered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from smartgov import jobs
from tests.conftest import REPO_ROOT, TEST_DATABASE_URL, stop_processes, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs SMARTGOV_TEST_DATABASE_URL (PostgreSQL)"),
]
SMARTGOV = Path(sys.executable).parent / "smartgov"


def _lines(log: Path, kind: str) -> list[list[str]]:
    if not log.exists():
        return []
    return [line.split() for line in log.read_text().splitlines() if line.startswith(kind + " ")]




@pytest.fixture()
def workers(engine: Engine, tmp_path: Path, no_inline) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `smartgov worker` processes with the toy task modules; all are stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "jobs.log"

    def start(**env: str) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "SMARTGOV_DATABASE_URL": TEST_DATABASE_URL,
            "SMARTGOV_JOB_MODULES": "tests.jobs.toy_tasks,tests.jobs.toy_periodic",
            "SMARTGOV_TEST_JOBS_LOG": str(log),
            "SMARTGOV_JOBS_INLINE": "0",
            "SMARTGOV_JOBS_HEARTBEAT_S": "1",
            "SMARTGOV_JOBS_STALLED_AFTER_S": "4",
            "SMARTGOV_JOBS_STALLED_CRON": "* * * * * */2",
            "SMARTGOV_JOBS_POLL_INTERVAL_S": "0.5",
            "PYTHONPATH": str(REPO_ROOT),
            **env,
        }
        output = open(tmp_path / f"worker{len(started)}.out", "wb")  # noqa: SIM115
        process = subprocess.Popen([str(SMARTGOV), "worker"], env=environment, cwd=tmp_path,
                                   stdout=output, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    start.log = log  # type: ignore[attr-defined]
    yield start
    stop_processes(started)


def test_two_workers_run_each_periodic_tick_once_and_share_enqueued_jobs(
        workers, session: Session, engine: Engine, toy) -> None:
    log: Path = workers.log
    first, second = workers(), workers()
    for value in range(8):
        jobs.enqueue(session, "toy.record", value=value)
    session.commit()
    # the toy tick is every 3 seconds: wait for four of them
    assert wait_for(lambda: len({t[1] for t in _lines(log, "tick")}) >= 4, 40), log.read_text()
    assert wait_for(lambda: len(_lines(log, "record")) >= 8, 10)
    time.sleep(1.0)
    first.send_signal(signal.SIGTERM)
    second.send_signal(signal.SIGTERM)
    first.wait(15)
    second.wait(15)

    ticks = Counter(int(t[1]) for t in _lines(log, "tick"))
    assert len(ticks) >= 4
    assert set(ticks.values()) == {1}, f"a tick ran more than once: {ticks}"
    assert all(tick % 3 == 0 for tick in ticks)
    assert sorted(int(r[1]) for r in _lines(log, "record")) == list(range(8))  # each job once
    ran_in = {int(line[2]) for line in _lines(log, "record") + _lines(log, "tick")}
    assert ran_in <= {first.pid, second.pid}
    with engine.connect() as conn:
        tick_jobs = conn.execute(text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'toy.tick'")).scalar()
    assert tick_jobs == len(ticks)


def test_a_job_of_a_worker_killed_mid_job_is_run_by_the_other_worker(
        workers, session: Session, engine: Engine, toy) -> None:
    log: Path = workers.log
    first, second = workers(TOY_SLOW_SECONDS="4"), workers(TOY_SLOW_SECONDS="4")
    time.sleep(1.0)
    jobs.enqueue(session, "toy.slow", tag="s1")
    session.commit()
    assert wait_for(lambda: bool(_lines(log, "start")), 20), log.read_text() if log.exists() else ""
    victim_pid = int(_lines(log, "start")[0][2])
    victim, survivor = (first, second) if victim_pid == first.pid else (second, first)
    assert victim.pid == victim_pid
    victim.send_signal(signal.SIGKILL)
    victim.wait(5)

    # heartbeat silent 4 s → jobs.retry_stalled (every 2 s) puts it back → the survivor runs it
    assert wait_for(lambda: bool(_lines(log, "done")), 40), log.read_text()
    starts = _lines(log, "start")
    assert [int(s[2]) for s in starts] == [victim.pid, survivor.pid]
    assert [int(d[2]) for d in _lines(log, "done")] == [survivor.pid]
    assert wait_for(lambda: jobs.status_counts(session)["running"] == 0, 5)
    with engine.connect() as conn:
        status = conn.execute(text(
            "SELECT status::text FROM procrastinate_jobs WHERE task_name = 'toy.slow'")).scalar()
    assert status == "succeeded"
