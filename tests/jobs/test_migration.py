"""Migration 0002 builds the job tables as the models describe them (and procrastinate's schema on
PostgreSQL), and its downgrade removes them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, Table, inspect, text

from smartgov.migrate import alembic_config, include_name
from smartgov.models import metadata
from tests.conftest import SCRATCH_SCHEMA, TEST_DATABASE_URL

MINE = {"job", "job_failure"}
SCHEMA = SCRATCH_SCHEMA


def _table_of(diff: object) -> str:
    """The table an Alembic difference is about (add_table, add_index, modify_type …)."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:  # type: ignore[index]
        if isinstance(part, Table):
            return part.name
        if isinstance(getattr(part, "table", None), Table):
            return part.table.name  # type: ignore[union-attr]
        if isinstance(part, str):
            return part
    return ""


def _migrate(engine, revision: str, down: bool = False) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def test_revision_0002_creates_and_drops_the_job_tables(scratch_engine: Engine) -> None:
    engine = scratch_engine
    _migrate(engine, "0002")
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert tables >= MINE
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        mine = [d for d in compare_metadata(context, metadata) if _table_of(d) in MINE]
        assert mine == [], f"job tables differ from their models: {mine}"
        if TEST_DATABASE_URL:
            assert {"procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers",
                    "procrastinate_workers"} <= tables
            assert conn.execute(text(
                "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE proname = 'procrastinate_defer_jobs_v1' AND n.nspname = :s"), {"s": SCHEMA}
            ).scalar() == 1
    _migrate(engine, "0001", down=True)
    with engine.connect() as conn:
        left = set(inspect(conn).get_table_names())
        assert not (MINE & left)
        assert not [t for t in left if t.startswith("procrastinate")]
        if TEST_DATABASE_URL:
            assert conn.execute(text(
                "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE starts_with(p.proname, 'procrastinate') AND n.nspname = :s"), {"s": SCHEMA}
            ).scalar() == 0
