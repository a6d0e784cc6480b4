"""case queues at ten million cases: indexes that answer a queue from their own entries; the
case of a sensor alarm or opinion alert found by its reference

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

VISIBILITY = ["lead_department_id", "grid_id", "street_id", "created_by_id"]


def upgrade() -> None:
    """(status, id) and (warning_level, id), carrying the visibility columns on PostgreSQL, and
    (source, source_ref)."""
    op.create_index("ix_case_record_queue", "case_record", ["status", "id"],
                    postgresql_include=[*VISIBILITY, "warning_level", "is_supervised"])
    op.create_index("ix_case_record_warning_queue", "case_record", ["warning_level", "id"],
                    postgresql_include=[*VISIBILITY, "status", "is_supervised"])
    op.drop_index("ix_case_record_status", table_name="case_record")
    op.drop_index("ix_case_record_warning", table_name="case_record")
    op.create_index("ix_case_record_source_ref", "case_record", ["source", "source_ref"])


def downgrade() -> None:
    op.drop_index("ix_case_record_source_ref", table_name="case_record")
    op.create_index("ix_case_record_warning", "case_record", ["warning_level"])
    op.create_index("ix_case_record_status", "case_record", ["status"])
    op.drop_index("ix_case_record_warning_queue", table_name="case_record")
    op.drop_index("ix_case_record_queue", table_name="case_record")
