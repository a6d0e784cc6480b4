"""durable background jobs (jobs/)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Our job table (SQLite engine), failure texts, and on PostgreSQL procrastinate's schema."""
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_name", sa.String(length=128), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("started_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lock_key", sa.String(length=200), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_job_lock_key")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_status_scheduled_at", ["status", "scheduled_at"], unique=False)

    op.create_table(
        "job_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("task_name", sa.String(length=128), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_failure")),
    )
    with op.batch_alter_table("job_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_failure_job_id"), ["job_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        from smartgov.jobs.pg import install_schema

        install_schema(op.get_bind())


def downgrade() -> None:
    """Drop procrastinate's schema (PostgreSQL) and our job tables."""
    if op.get_bind().dialect.name == "postgresql":
        from smartgov.jobs.pg import drop_schema

        drop_schema(op.get_bind())
    with op.batch_alter_table("job_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_failure_job_id"))
    op.drop_table("job_failure")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_status_scheduled_at")
    op.drop_table("job")
