"""Follow-up jobs survive a killed process: reports posted through the API to a running server are
all routed in the end, on PostgreSQL with two workers (one killed with kill -9 and restarted)
and on SQLite with the server itself killed with kill -9 and restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from smartgov.cases.models import Case
from tests.cases.conftest import World
from tests.conftest import REPO_ROOT, TEST_DATABASE_URL, free_port, stop_processes, wait_for

SMARTGOV = Path(sys.executable).parent / "smartgov"






@pytest.fixture()
def processes(engine: Engine, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start smartgov commands against the test database; all are stopped at the end."""
    url = TEST_DATABASE_URL or str(engine.url)
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SMARTGOV_DATABASE_URL": url,
            "SMARTGOV_JOBS_INLINE": "0",
            "SMARTGOV_JOBS_HEARTBEAT_S": "1",
            "SMARTGOV_JOBS_STALLED_AFTER_S": "4",
            "SMARTGOV_JOBS_STALLED_CRON": "* * * * * */2",
            "SMARTGOV_JOBS_POLL_INTERVAL_S": "0.5",
            "PYTHONPATH": str(REPO_ROOT),
        }
        out = open(tmp_path / f"proc{len(started)}.out", "wb")  # noqa: SIM115
        process = subprocess.Popen([str(SMARTGOV), *args], env=env, cwd=tmp_path, stdout=out,
                                   stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    stop_processes(started)


def _serve(start: Callable[..., subprocess.Popen[bytes]], *flags: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = start("serve", "--port", str(port), *flags)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_for(up, 60), "the server did not start"
    return server, base


def _report(base: str, world: World, n: int) -> str | None:
    """POST one report of a directly dispatched class (直派); its number when accepted."""
    lon, lat = world.point(n % 4)
    body = {"category_code": "1402", "description": f"第{n}号：门口占道经营", "lon": lon, "lat": lat,
            "reporter_phone": "13900000000"}
    try:
        response = httpx.post(f"{base}/api/v1/cases", json=body, timeout=30)
    except httpx.HTTPError:
        return None  # the server was killed while this one was in flight
    return response.json()["case_no"] if response.status_code == 201 else None


def _jobs_status() -> dict[str, int]:
    env = {**os.environ, "SMARTGOV_DATABASE_URL": TEST_DATABASE_URL or os.environ["SMARTGOV_DATABASE_URL"]}
    out = subprocess.run([str(SMARTGOV), "jobs", "status", "--json"], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return json.loads(out.strip().splitlines()[-1])


def _unrouted(session: Session, numbers: list[str]) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).select_from(Case)
        .where(Case.case_no.in_(numbers), ~((Case.status == "handling") & Case.auto_dispatched))
    ) or 0


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs SMARTGOV_TEST_DATABASE_URL (PostgreSQL)")
def test_two_workers_one_killed_mid_way_every_report_is_routed(world: World, processes) -> None:
    server, base = _serve(processes, "--no-worker")
    first, second = processes("worker"), processes("worker")
    with ThreadPoolExecutor(8) as pool:
        accepted = [n for n in pool.map(lambda i: _report(base, world, i), range(150)) if n]
        first.send_signal(signal.SIGKILL)  # mid-way: the worker dies with whatever it holds
        first.wait(10)
        restarted = processes("worker")
        accepted += [n for n in pool.map(lambda i: _report(base, world, i), range(150, 300)) if n]
    assert len(accepted) == 300
    status = {}

    def settled() -> bool:
        status.update(_jobs_status())
        return status["queued"] == 0 and status["running"] == 0

    assert wait_for(settled, 90), status
    assert status["failed"] == 0 and status["done"] >= 300
    assert _unrouted(world.session, accepted) == 0
    assert second.poll() is None and restarted.poll() is None


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the embedded SQLite server (PostgreSQL: workers above)")
def test_serve_killed_mid_way_loses_no_follow_up_job(world: World, processes, engine: Engine) -> None:
    server, base = _serve(processes)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(_report, base, world, i) for i in range(200)]
        assert wait_for(lambda: sum(f.done() for f in futures) >= 60, 60)
        server.send_signal(signal.SIGKILL)  # while reports and their jobs are in flight
        server.wait(10)
        accepted = [n for f in futures if (n := f.result())]
    assert len(accepted) >= 60
    # a server that takes reports but runs no jobs, killed too: its reports' jobs all wait
    quiet, base = _serve(processes, "--no-worker")
    waiting = [n for i in range(200, 230) if (n := _report(base, world, i))]
    quiet.send_signal(signal.SIGKILL)
    quiet.wait(10)
    assert len(waiting) == 30 and _unrouted(world.session, waiting) == 30
    accepted += waiting
    os.environ["SMARTGOV_DATABASE_URL"] = str(engine.url)
    try:
        _serve(processes)  # the restarted server runs what the killed ones left
        assert wait_for(lambda: _unrouted(world.session, accepted) == 0, 60)
        status = _jobs_status()
    finally:
        os.environ.pop("SMARTGOV_DATABASE_URL", None)
    assert status["queued"] == 0 and status["running"] == 0 and status["failed"] == 0
