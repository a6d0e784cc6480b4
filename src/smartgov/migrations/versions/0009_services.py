"""一网通办 government services: items, applications, approvals, certificates, ratings

Revision ID: 0009
Revises: 0008
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder until the revision is written."""


def downgrade() -> None:
    """Nothing to undo yet."""
