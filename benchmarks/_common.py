"""Shared set-up for benchmarks: a fresh database (SQLite file, or PostgreSQL by URL) with the demo."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def fresh_database(url: str | None = None, keep: bool = False) -> Engine:
    """Create an empty migrated database and point smartgov at it; returns the engine."""
    var_dir = Path(tempfile.mkdtemp(prefix="smartgov-bench-"))
    os.environ["SMARTGOV_VAR_DIR"] = str(var_dir)
    from smartgov.config import reset_settings

    reset_settings()
    return empty_database(url or f"sqlite:///{var_dir / 'bench.db'}")


def empty_database(url: str) -> Engine:
    """Empty the database at ``url`` (PostgreSQL: its public schema is dropped; SQLite: the file
    is removed), migrate it and point smartgov at it; returns the engine."""
    from smartgov.db import make_engine, set_engine
    from smartgov.migrate import upgrade

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        engine = make_engine(url)
    else:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    set_engine(engine)
    return engine


def load_demo(cases: int = 0) -> None:
    from rich.console import Console

    from smartgov.demo import load_demo as load

    load(cases=cases, console=Console(stderr=True, quiet=True))
