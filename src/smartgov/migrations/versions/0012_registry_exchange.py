"""数据共享交换 registries, catalogue, exchange; grid map layers

Revision ID: 0012
Revises: 0011
"""

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder until the revision is written."""


def downgrade() -> None:
    """Nothing to undo yet."""
