"""Migration 0003 moves the case hub's notifications, texts and photos onto inbox/ and files/
(on SQLite and PostgreSQL): a database at 0002 with old-style rows, upgraded to 0003."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, text

from smartgov.config import get_settings
from smartgov.db import AwareDateTime
from smartgov.migrate import alembic_config, upgrade

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
READ = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PHOTO = b"\x89PNG\r\n\x1a\n" + b"migration-0003-photo"
DIGEST = hashlib.sha256(PHOTO).hexdigest()


@pytest.fixture()
def old_db(scratch_engine: Engine) -> Engine:
    """A scratch database at revision 0002."""
    upgrade(scratch_engine, "0002")
    return scratch_engine


def _insert(conn: sa.Connection, table: str, **values: object) -> None:
    """One row with plain SQL; times go through AwareDateTime as the old models stored them."""
    columns = [sa.column(k, AwareDateTime()) if isinstance(v, datetime) else sa.column(k)
               for k, v in values.items()]
    conn.execute(sa.table(table, *columns).insert().values(**values))


def _old_rows(engine: Engine) -> None:
    uploads = get_settings().uploads_dir
    for path in ("2026/03/m0003a.png", "2026/04/m0003b.png"):  # the same bytes under two paths
        (uploads / path).parent.mkdir(parents=True, exist_ok=True)
        (uploads / path).write_bytes(PHOTO)
    with engine.begin() as conn:
        _insert(conn, "department", id=1, code="CG", name="城管")
        for uid, name in ((1, "handler"), (2, "citizen")):
            _insert(conn, "user_account", id=uid, username=name, display_name=name, password_hash="x",
                    is_staff=uid == 1, is_active=True, failed_logins=0, created_at=AT)
        _insert(conn, "case_record", id=42, tracking_code="T42", source="portal", title="垃圾",
                description="垃圾堆放", urgency="一般", status="handling", reported_at=AT, updated_at=AT,
                warning_level=0, rework_count=0, return_count=0, reopen_count=0, auto_dispatched=False,
                self_handled=False, is_supervised=False, needs_callback=False, version=1)
        _insert(conn, "case_event", id=7, case_id=42, at=AT, actor_name="handler", action="report_back")
        _insert(conn, "notification", id=1, department_id=1, case_id=42, kind="dispatched",
                message="新派遣案件 42", created_at=AT, read_at=READ)
        _insert(conn, "notification", id=2, user_id=2, case_id=42, kind="case_closed",
                message="您反映的问题已办结", created_at=AT)
        _insert(conn, "notification", id=3, user_id=1, kind="notice", message="没有案件的消息",
                created_at=AT)
        _insert(conn, "notification", id=4, case_id=42, kind="sms_outbox", role="13900001111",
                message="您反映的问题已办结（短信）", created_at=AT)
        for aid, path, kind, event_id, name in (
                (5, "2026/03/m0003a.png", "photo", None, "现场.png"),
                (6, "2026/04/m0003b.png", "after", 7, "处置后.png"),
                (8, "2026/03/m0003a.png", "before", None, "再传.png"),
                (9, "2026/05/m0003gone.jpg", "photo", None, "丢失.jpg")):
            _insert(conn, "case_attachment", id=aid, case_id=42, event_id=event_id, kind=kind, filename=name,
                    stored_path=path, content_type="image/png", size=len(PHOTO), uploaded_at=AT)
        _insert(conn, "audit_log", at=AT, actor_id=1, actor_name="handler", action="case.photo_uploaded",
                object_type="case", object_id="42", result="success",
                detail=json.dumps({"attachment_id": 5, "filename": "现场.png"}))


def _rows(conn: sa.Connection, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(sql))]


def _times(conn: sa.Connection, table: str, *names: str) -> list[tuple]:
    columns = [sa.column("id")] + [sa.column(n, AwareDateTime()) for n in names]
    return [tuple(r) for r in conn.execute(sa.select(*columns).select_from(sa.table(table, *columns))
                                           .order_by(sa.column("id")))]


def test_0003_moves_notifications_texts_and_photos(old_db: Engine) -> None:
    _old_rows(old_db)
    upgrade(old_db, "0003")
    with old_db.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert {"inbox_notification", "outbox_message", "stored_file", "file_link"} <= tables
        assert not {"notification", "case_attachment"} & tables
        assert _rows(conn, "SELECT user_id, department_id, subject_type, subject_id, kind, message"
                           " FROM inbox_notification ORDER BY id") == [
            (None, 1, "case", 42, "dispatched", "新派遣案件 42"),
            (2, None, "case", 42, "case_closed", "您反映的问题已办结"),
            (1, None, None, None, "notice", "没有案件的消息"),
        ]
        assert [t[1:] for t in _times(conn, "inbox_notification", "created_at", "read_at")] == [
            (AT, READ), (AT, None), (AT, None)]
        [text_row] = _rows(conn, "SELECT channel, recipient, body, subject_type, subject_id, status,"
                                 " attempts, error, sent_at FROM outbox_message")
        assert text_row[:7] == ("sms", "13900001111", "您反映的问题已办结（短信）", "case", 42, "failed", 0)
        assert "未曾发送" in text_row[7] and text_row[8] is None

        files = _rows(conn, "SELECT id, sha256, filename, stored_path, uploaded_by_id FROM stored_file"
                            " ORDER BY id")
        assert files == [(5, DIGEST, "现场.png", "2026/03/m0003a.png", 1),
                         (9, None, "丢失.jpg", "2026/05/m0003gone.jpg", None)]  # bytes missing: no hash
        links = _rows(conn, "SELECT id, file_id, subject_type, subject_id, kind, event_id, filename"
                            " FROM file_link ORDER BY id")
        assert links == [(5, 5, "case", 42, "photo", None, "现场.png"),
                         (6, 5, "case", 42, "after", 7, "处置后.png"),  # same bytes, other path: one file
                         (8, 5, "case", 42, "before", None, "再传.png"),
                         (9, 9, "case", 42, "photo", None, "丢失.jpg")]
        assert [t[1] for t in _times(conn, "file_link", "linked_at")] == [AT] * 4
    with old_db.begin() as conn:  # new rows get ids after the moved ones
        _insert(conn, "file_link", file_id=5, subject_type="case", subject_id=42, kind="photo",
                filename="新.png", linked_at=AT)
        assert conn.execute(text("SELECT MAX(id) FROM file_link")).scalar() == 10


def test_0003_downgrade_moves_the_case_rows_back(old_db: Engine) -> None:
    _old_rows(old_db)
    upgrade(old_db, "0003")
    with old_db.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    with old_db.connect() as conn:
        assert _rows(conn, "SELECT kind, role, case_id FROM notification ORDER BY id") == [
            ("dispatched", None, 42), ("case_closed", None, 42), ("notice", None, None),
            ("sms_outbox", "13900001111", 42)]
        assert _rows(conn, "SELECT id, stored_path, kind, event_id FROM case_attachment ORDER BY id") == [
            (5, "2026/03/m0003a.png", "photo", None), (6, "2026/03/m0003a.png", "after", 7),
            (8, "2026/03/m0003a.png", "before", None), (9, "2026/05/m0003gone.jpg", "photo", None)]
