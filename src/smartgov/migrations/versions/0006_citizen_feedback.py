"""citizens confirm the fix and rate the handling

Revision ID: 0006
Revises: 0005
"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder until the revision is written."""


def downgrade() -> None:
    """Nothing to undo yet."""
