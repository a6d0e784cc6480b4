"""inbox and outbox (inbox/), stored files and their links (files/)

Revision ID: 0003
Revises: 0002

Moves the case hub's own tables onto the platform packages, then drops them:
``notification`` → ``inbox_notification`` (subject "case"), its ``sms_outbox`` rows (the phone
number was carried in ``role``) → ``outbox_message``, ``case_attachment`` → ``stored_file`` (one
row per content, hashed from the bytes under var/uploads) + ``file_link`` (the attachment's id,
so photo URLs keep working, and its ``event_id`` as it is).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import smartgov.db
from smartgov.config import get_settings

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Old SMS rows were never sent (there was no SMS channel); they are kept, marked so, not sent now.
UNSENT_NOTE = "迁移前登记的短信，旧版本没有短信通道，未曾发送"


def _create_tables() -> None:
    op.create_table(
        "inbox_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("read_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_inbox_notification_department_id_department")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_inbox_notification_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_notification")),
    )
    with op.batch_alter_table("inbox_notification", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_notification_user_read", ["user_id", "read_at"], unique=False)
        batch_op.create_index("ix_inbox_notification_department_read", ["department_id", "read_at"],
                              unique=False)
        batch_op.create_index("ix_inbox_notification_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_channel_status", ["channel", "status"], unique=False)
        batch_op.create_index("ix_outbox_message_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"],
                                name=op.f("fk_stored_file_uploaded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("sha256", name=op.f("uq_stored_file_sha256")),
    )

    op.create_table(
        "file_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("linked_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["stored_file.id"],
                                name=op.f("fk_file_link_file_id_stored_file")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_link")),
    )
    with op.batch_alter_table("file_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_link_file_id"), ["file_id"], unique=False)
        batch_op.create_index("ix_file_link_subject", ["subject_type", "subject_id"], unique=False)


def _move_notifications(conn: sa.Connection) -> None:
    conn.execute(sa.text(
        "INSERT INTO inbox_notification (user_id, department_id, subject_type, subject_id, kind, message,"
        " created_at, read_at)"
        " SELECT user_id, department_id, CASE WHEN case_id IS NULL THEN NULL ELSE 'case' END, case_id,"
        " kind, message, created_at, read_at FROM notification WHERE kind <> 'sms_outbox' ORDER BY id"))
    conn.execute(
        sa.text(
            "INSERT INTO outbox_message (channel, recipient, body, subject_type, subject_id, status,"
            " attempts, error, created_at)"
            " SELECT 'sms', COALESCE(role, ''), message,"
            " CASE WHEN case_id IS NULL THEN NULL ELSE 'case' END, case_id, 'failed', 0, :note, created_at"
            " FROM notification WHERE kind = 'sms_outbox' ORDER BY id"),
        {"note": UNSENT_NOTE},
    )


def _sha256_of(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _uploaders(conn: sa.Connection) -> dict[int, int]:
    """attachment id → the account that uploaded it, from the audit log (case.photo_uploaded)."""
    found: dict[int, int] = {}
    rows = conn.execute(sa.text(
        "SELECT actor_id, detail FROM audit_log"
        " WHERE action = 'case.photo_uploaded' AND actor_id IS NOT NULL"))
    for actor_id, detail in rows:
        try:
            found[int(json.loads(detail)["attachment_id"])] = actor_id
        except (TypeError, ValueError, KeyError):
            continue
    return found


def _move_attachments(conn: sa.Connection) -> None:
    """One stored file per content (the same bytes under two paths become one), one link per
    attachment keeping its id; a file missing on disk keeps its row with no hash."""
    uploads = get_settings().uploads_dir
    firsts = conn.execute(sa.text(
        "SELECT stored_path, MIN(id) FROM case_attachment GROUP BY stored_path ORDER BY MIN(id)")).all()
    if not firsts:
        return
    uploaders = _uploaders(conn)
    users = set(conn.execute(sa.text("SELECT id FROM user_account")).scalars())
    file_of_hash: dict[str, int] = {}
    moves = []  # stored_path → stored_file id
    new_files = []
    for stored_path, first_id in firsts:
        sha = _sha256_of(uploads / stored_path)
        file_id = file_of_hash.get(sha) if sha else None
        if file_id is None:
            file_id = first_id
            if sha:
                file_of_hash[sha] = file_id
            uploader = uploaders.get(first_id)
            new_files.append({"id": file_id, "sha": sha, "by": uploader if uploader in users else None})
        moves.append({"path": stored_path, "file_id": file_id})
    conn.execute(
        sa.text(
            "INSERT INTO stored_file (id, sha256, filename, stored_path, content_type, size, uploaded_at,"
            " uploaded_by_id) SELECT :id, :sha, filename, stored_path, content_type, size, uploaded_at, :by"
            " FROM case_attachment WHERE id = :id"),
        new_files,
    )
    move = op.create_table(
        "file_move_0003",
        sa.Column("stored_path", sa.String(length=300), primary_key=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
    )
    op.bulk_insert(move, [{"stored_path": m["path"], "file_id": m["file_id"]} for m in moves])
    conn.execute(sa.text(
        "INSERT INTO file_link (id, file_id, subject_type, subject_id, kind, event_id, filename, linked_at)"
        " SELECT a.id, m.file_id, 'case', a.case_id, a.kind, a.event_id, a.filename, a.uploaded_at"
        " FROM case_attachment a JOIN file_move_0003 m ON m.stored_path = a.stored_path ORDER BY a.id"))
    op.drop_table("file_move_0003")
    if conn.dialect.name == "postgresql":  # rows came with their ids: move the counters past them
        for table in ("stored_file", "file_link"):
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"))


def upgrade() -> None:
    """The inbox, outbox and file tables; the old notification and attachment rows moved into them."""
    _create_tables()
    conn = op.get_bind()
    _move_notifications(conn)
    _move_attachments(conn)
    op.drop_table("notification")
    op.drop_table("case_attachment")


def downgrade() -> None:
    """The old tables again, with the case rows moved back (other subjects' rows are lost)."""
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("read_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"],
                                name=op.f("fk_notification_case_id_case_record")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_notification_department_id_department")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_notification_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_department_id"), ["department_id"], unique=False)
        batch_op.create_index("ix_notification_user_read", ["user_id", "read_at"], unique=False)
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"],
                                name=op.f("fk_case_attachment_case_id_case_record")),
        sa.ForeignKeyConstraint(["event_id"], ["case_event.id"],
                                name=op.f("fk_case_attachment_event_id_case_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachment")),
    )
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_attachment_case_id"), ["case_id"], unique=False)
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO notification (user_id, department_id, case_id, kind, message, created_at, read_at)"
        " SELECT user_id, department_id, subject_id, kind, message, created_at, read_at"
        " FROM inbox_notification WHERE subject_type = 'case' OR subject_type IS NULL ORDER BY id"))
    conn.execute(sa.text(
        "INSERT INTO notification (role, case_id, kind, message, created_at)"
        " SELECT recipient, subject_id, 'sms_outbox', body, created_at FROM outbox_message"
        " WHERE channel = 'sms' AND subject_type = 'case' ORDER BY id"))
    conn.execute(sa.text(
        "INSERT INTO case_attachment (id, case_id, event_id, kind, filename, stored_path, content_type, size,"
        " uploaded_at) SELECT l.id, l.subject_id, l.event_id, l.kind, l.filename, f.stored_path,"
        " f.content_type, f.size, l.linked_at FROM file_link l JOIN stored_file f ON f.id = l.file_id"
        " WHERE l.subject_type = 'case' ORDER BY l.id"))
    for table in ("file_link", "stored_file", "outbox_message", "inbox_notification"):
        op.drop_table(table)
