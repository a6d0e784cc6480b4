"""workflow timeline, pending requests and work timers for any subject; case data moved in

Revision ID: 0004
Revises: 0003

The case hub's own tables (case_event, case_exception, case_clock) become the platform's
timeline_event, pending_request and work_timer with subject_type "case". Row ids are kept, so
files linked to a timeline entry (file_link.event_id) still point at the same step.
"""

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MOVES = (  # (old table, new table, old columns → new columns)
    ("case_event", "timeline_event", {
        "id": "id", "case_id": "subject_id", "at": "at", "actor_id": "actor_id",
        "actor_name": "actor_name", "action": "action", "from_status": "from_state",
        "to_status": "to_state", "note": "note", "data": "data"}),
    ("case_exception", "pending_request", {
        "id": "id", "case_id": "subject_id", "kind": "kind", "status": "status", "reason": "reason",
        "extension": "extension", "department_id": "department_id",
        "requested_by_id": "requested_by_id", "requested_at": "requested_at",
        "decided_by_id": "decided_by_id", "decided_at": "decided_at", "decision_note": "decision_note"}),
    ("case_clock", "work_timer", {
        "id": "id", "case_id": "subject_id", "stage": "stage", "limit_text": "limit_text",
        "started_at": "started_at", "due_at": "due_at", "ended_at": "ended_at", "paused": "paused",
        "on_time": "on_time", "warning_level": "warning_level", "department_id": "department_id",
        "actor_id": "actor_id", "state": "state"}),
)


def _create_tables() -> None:
    op.create_table(
        "timeline_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"],
                                name=op.f("fk_timeline_event_actor_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_event")),
    )
    op.create_index("ix_timeline_event_subject", "timeline_event", ["subject_type", "subject_id", "at"])
    op.create_table(
        "pending_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_pending_request_decided_by_id_user_account")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_pending_request_department_id_department")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                name=op.f("fk_pending_request_requested_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_request")),
    )
    op.create_index("ix_pending_request_subject", "pending_request", ["subject_type", "subject_id", "status"])
    op.create_table(
        "work_timer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("limit_text", sa.String(length=16), nullable=False),
        sa.Column("started_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("due_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("warning_level", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"],
                                name=op.f("fk_work_timer_actor_id_user_account")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_work_timer_department_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_timer")),
    )
    op.create_index("ix_work_timer_subject", "work_timer", ["subject_type", "subject_id", "ended_at"])
    op.create_index("ix_work_timer_running", "work_timer", ["ended_at", "paused"])


def _copy(old: str, new: str, columns: dict[str, str], subject_type: str | None, back: bool) -> None:
    """Copy rows between an old case table and its platform table (ids kept)."""
    source, target = (new, old) if back else (old, new)
    pairs = [(n, o) for o, n in columns.items()] if back else list(columns.items())
    into = ", ".join(t for _, t in pairs) + ("" if back else ", subject_type")
    picked = ", ".join(s for s, _ in pairs) + ("" if back else f", '{subject_type}'")
    where = f" WHERE subject_type = '{subject_type}'" if back else ""
    op.execute(f"INSERT INTO {target} ({into}) SELECT {picked} FROM {source}{where}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), "
                   f"COALESCE((SELECT MAX(id) FROM {target}), 0) + 1, false)")


def upgrade() -> None:
    """New platform tables, the case rows moved in, the case tables dropped."""
    _create_tables()
    for old, new, columns in MOVES:
        _copy(old, new, columns, "case", back=False)
    op.drop_index("ix_case_exception_case_id", table_name="case_exception")
    op.drop_table("case_exception")
    op.drop_index("ix_case_event_case_id", table_name="case_event")
    op.drop_table("case_event")
    op.drop_index("ix_case_clock_open", table_name="case_clock")
    op.drop_table("case_clock")


def downgrade() -> None:
    """The case tables again, with the case rows moved back."""
    op.create_table(
        "case_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_record.id"), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("limit_text", sa.String(length=16), nullable=False),
        sa.Column("started_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("due_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("warning_level", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_clock"),
    )
    op.create_index("ix_case_clock_open", "case_clock", ["case_id", "stage", "ended_at"])
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_record.id"), nullable=False),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_event"),
    )
    op.create_index("ix_case_event_case_id", "case_event", ["case_id"])
    op.create_table(
        "case_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_record.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("requested_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("decided_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_exception"),
    )
    op.create_index("ix_case_exception_case_id", "case_exception", ["case_id"])
    for old, new, columns in MOVES:
        _copy(old, new, columns, "case", back=True)
    op.drop_table("work_timer")
    op.drop_table("pending_request")
    op.drop_table("timeline_event")
