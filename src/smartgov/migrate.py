"""Running Alembic migrations from code (``smartgov db upgrade``, ``make run``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# full-text tables made by cases.search; procrastinate's job tables (migration 0002); the monthly
# partitions of iot_telemetry on PostgreSQL (migration 0010, iot.telemetry.upkeep)
OUTSIDE_METADATA = ("case_fts", "case_search", "procrastinate_", "iot_telemetry_2", "iot_telemetry_default")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave tables that live outside the ORM metadata (FTS5 / tsvector search) alone."""
    return not (type_ == "table" and name is not None and name.startswith(OUTSIDE_METADATA))


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the newest)."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
