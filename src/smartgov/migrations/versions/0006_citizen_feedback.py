"""citizens confirm the fix and rate the handling

Revision ID: 0006
Revises: 0005

case_feedback (群众评价): one row per reported case and closing, written from the tracking page.
"""

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reported_case_id", sa.Integer(), nullable=False),
        sa.Column("closing", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.String(length=8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("proof", sa.String(length=16), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"],
                                name=op.f("fk_case_feedback_case_id_case_record")),
        sa.ForeignKeyConstraint(["reported_case_id"], ["case_record.id"],
                                name=op.f("fk_case_feedback_reported_case_id_case_record")),
        sa.ForeignKeyConstraint(["by_user_id"], ["user_account.id"],
                                name=op.f("fk_case_feedback_by_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_feedback")),
        sa.UniqueConstraint("reported_case_id", "closing",
                            name=op.f("uq_case_feedback_reported_case_id_closing")),
    )
    op.create_index(op.f("ix_case_feedback_case_id"), "case_feedback", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_feedback_case_id"), table_name="case_feedback")
    op.drop_table("case_feedback")
