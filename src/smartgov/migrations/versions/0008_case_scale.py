"""case hub at ten million cases: indexes and roll-ups

Revision ID: 0008
Revises: 0007

The performance page (绩效评价) adds up stored daily figures (kpi_daily_count, kept by the
periodic job cases.kpi_rollup) instead of reading every case of the period.
"""

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An inspector's view is "my grids or recorded by me": without it the OR reads every case.
    op.create_index(op.f("ix_case_record_created_by_id"), "case_record", ["created_by_id"], unique=False)
    op.drop_index("ix_case_record_is_supervised", table_name="case_record")
    op.create_index("ix_case_record_supervised_status", "case_record", ["is_supervised", "status"])
    op.create_table(
        "kpi_daily_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("day", "subject", "group_id", name=op.f("pk_kpi_daily_count")),
    )
    op.create_table(
        "kpi_rollup_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("refreshed_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_kpi_rollup_day")),
    )
    op.create_table(
        "kpi_rollup_mark",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("prior_event_id", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kpi_rollup_mark")),
    )


def downgrade() -> None:
    op.drop_table("kpi_rollup_mark")
    op.drop_table("kpi_rollup_day")
    op.drop_table("kpi_daily_count")
    op.drop_index("ix_case_record_supervised_status", table_name="case_record")
    op.create_index("ix_case_record_is_supervised", "case_record", ["is_supervised"], unique=False)
    op.drop_index(op.f("ix_case_record_created_by_id"), table_name="case_record")
