"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from smartgov.migrate import include_name, upgrade
from smartgov.models import metadata


def test_migrations_match_models(scratch_engine: Engine) -> None:
    engine = scratch_engine
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
        assert diff == [], f"models and migrations differ; add a revision: {diff}"
        assert "audit_log" in inspect(conn).get_table_names()
