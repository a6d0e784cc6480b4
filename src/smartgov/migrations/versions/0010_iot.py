"""物联感知 devices, telemetry, rules and alarms

Revision ID: 0010
Revises: 0009
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder until the revision is written."""


def downgrade() -> None:
    """Nothing to undo yet."""
