"""accounts and security: admin approvals, atomic failure counting, SMS codes

Revision ID: 0005
Revises: 0004

One table: ``one_time_code``, the SMS codes of citizen registration (群众注册) and of the
activation or password reset of administrator accounts (三权分立: the owner sets the password).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "one_time_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_one_time_code_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_code")),
    )
    with op.batch_alter_table("one_time_code", schema=None) as batch_op:
        batch_op.create_index("ix_one_time_code_purpose_recipient",
                              ["purpose", "recipient", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_one_time_code_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("one_time_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_one_time_code_user_id"))
        batch_op.drop_index("ix_one_time_code_purpose_recipient")
    op.drop_table("one_time_code")
