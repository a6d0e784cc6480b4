"""Shared fixtures: a fresh database per test on SQLite (or PostgreSQL), the app and a client.

Set SMARTGOV_TEST_DATABASE_URL=postgresql://... to run the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SHARED_CONFORMANCE = REPO_ROOT.parent / "shared" / "conformance"
TEST_DATABASE_URL = os.environ.get("SMARTGOV_TEST_DATABASE_URL", "")
SCRATCH_SCHEMA = "migration_check"  # the PostgreSQL schema scratch_engine builds in


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point var/ at a temporary folder so tests never touch a developer's database."""
    var_dir = tmp_path_factory.mktemp("var")
    os.environ["SMARTGOV_VAR_DIR"] = str(var_dir)
    os.environ["SMARTGOV_SECRET_KEY"] = "test-secret-key"
    os.environ["SMARTGOV_JOBS_INLINE"] = "1"  # a session's jobs run right after its commit
    os.environ.pop("SMARTGOV_DATABASE_URL", None)
    from smartgov import jobs
    from smartgov.config import reset_settings
    from smartgov.domains import JOB_MODULES

    reset_settings()
    jobs.load_task_modules(JOB_MODULES)  # as the app does: any test's commit may run a domain's job
    yield var_dir
    reset_settings()


def _build_schema(engine: Engine) -> None:
    """Create the schema from the models; tests/test_migrations.py proves the migrations match."""
    from smartgov.models import metadata

    metadata.create_all(engine)
    if engine.dialect.name == "postgresql":
        from smartgov.jobs.pg import install_schema

        with engine.begin() as conn:
            install_schema(conn)  # procrastinate's tables, types and functions (migration 0002)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory, _test_settings: Path) -> Iterator[str]:
    """A migrated database: a template SQLite file, or the PostgreSQL test database."""
    from smartgov.db import make_engine

    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            tables = (
                conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                )
                .scalars()
                .all()
            )
            if tables:
                conn.execute(
                    text("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
                )
        _build_schema(engine)
        engine.dispose()
        yield TEST_DATABASE_URL
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        _build_schema(engine)
        engine.dispose()
        yield str(path)


def _truncate_all(engine: Engine) -> None:
    from smartgov.models import metadata

    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    if engine.dialect.name == "postgresql":
        from smartgov.jobs.pg import JOB_TABLES

        names += ", " + ", ".join(JOB_TABLES)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@contextmanager
def migrated_engine(template_db: str, folder: Path) -> Iterator[Engine]:
    """A clean, migrated database as the current engine (a copy of the template SQLite file in
    ``folder``, or the PostgreSQL test database emptied afterwards)."""
    from smartgov.db import make_engine, set_engine

    if TEST_DATABASE_URL:
        eng = make_engine(TEST_DATABASE_URL)
    else:
        target = folder / "test.db"
        shutil.copyfile(template_db, target)
        eng = make_engine(f"sqlite:///{target}")
    set_engine(eng)
    try:
        yield eng
    finally:
        set_engine(None)
        if TEST_DATABASE_URL:
            _truncate_all(eng)
        eng.dispose()


@pytest.fixture()
def engine(_template_db: str, tmp_path: Path) -> Iterator[Engine]:
    """A clean, migrated database for one test."""
    with migrated_engine(_template_db, tmp_path) as eng:
        yield eng


@pytest.fixture()
def scratch_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database to migrate: a new SQLite file, or a fresh PostgreSQL schema, dropped after."""
    from smartgov.db import make_engine

    if not TEST_DATABASE_URL:
        eng = make_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
        yield eng
        eng.dispose()
        return
    admin = make_engine(TEST_DATABASE_URL)
    drop = text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE")
    with admin.begin() as conn:
        conn.execute(drop)
        conn.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
    eng = make_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={SCRATCH_SCHEMA}"})
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(drop)
        admin.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    from smartgov.db import session_factory
    from tests import factories

    s = session_factory()()
    factories.bind(s)
    yield s
    factories.bind(None)
    s.rollback()
    s.close()


@pytest.fixture()
def app(engine: Engine):  # type: ignore[no-untyped-def]
    from smartgov.app import create_app

    return create_app(engine)


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def require_shared(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test with a clear message when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (tests using real data need ../shared/data)")
    return path


def wait_for(condition: Callable[[], bool], seconds: float, step: float = 0.1) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass (processes started by a test)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_processes(started: list[subprocess.Popen[bytes]]) -> None:
    """End the processes a test started: SIGTERM, then SIGKILL after 15 s."""
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
