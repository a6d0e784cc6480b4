"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from smartgov.db import make_engine
from smartgov.migrate import include_name, upgrade
from smartgov.models import metadata
from tests.conftest import TEST_DATABASE_URL


def _fresh_engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS migration_check"))
            conn.execute(text("DROP SCHEMA migration_check CASCADE"))
            conn.execute(text("CREATE SCHEMA migration_check"))
        return make_engine(
            TEST_DATABASE_URL, connect_args={"options": "-csearch_path=migration_check"}
        )
    return make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")


def test_migrations_match_models(tmp_path: Path) -> None:
    engine = _fresh_engine(tmp_path)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            diff = compare_metadata(context, metadata)
            assert diff == [], f"models and migrations differ; add a revision: {diff}"
            assert "audit_log" in inspect(conn).get_table_names()
    finally:
        if TEST_DATABASE_URL:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA migration_check CASCADE"))
        engine.dispose()
