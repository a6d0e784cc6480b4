"""舆情 public opinion: sources, items, topics, alerts

Revision ID: 0011
Revises: 0010
"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder until the revision is written."""


def downgrade() -> None:
    """Nothing to undo yet."""
