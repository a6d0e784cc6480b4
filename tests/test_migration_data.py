"""Upgrading a populated case hub (revision 0001) moves its data onto the platform tables, on
SQLite and PostgreSQL: timeline, stage clocks, exception requests, notifications and photos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.orm import Session

from smartgov.migrate import upgrade
from smartgov.workclock.clock import WorkClock
from smartgov.workclock.service import get_calendar

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
CASES = 40


def _filler(column: sa.Column, n: int) -> Any:
    """A value for a NOT NULL column the test does not care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.DateTime):
        return T0
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.Float):
        return 0.0
    return f"v{n}"


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    full = []
    for n, row in enumerate(rows):
        values = dict(row)
        for column in table.columns:
            if column.name not in values and not column.nullable and not column.primary_key:
                values[column.name] = _filler(column, n)
        full.append(values)
    for values in full:
        conn.execute(table.insert(), values)


def _populate(engine: sa.Engine) -> None:
    """An old-style district: cases with timelines, clocks, a waiting extension, inbox messages,
    an SMS to a reporter and a photo attached to a step."""
    tables = MetaData()
    tables.reflect(engine)
    t = tables.tables
    clock = WorkClock.start(at=T0, limit="2wd", calendar=get_calendar()).to_dict()
    with engine.begin() as conn:
        _insert(conn, t["department"], [{"id": 1, "code": "CG", "name": "城管"}])
        _insert(conn, t["user_account"], [{"id": 1, "username": "chief", "display_name": "值班长"}])
        _insert(conn, t["case_record"], [
            {"id": i, "case_no": f"2026110200{i:06d}", "tracking_code": f"T{i:09d}", "source": "portal",
             "title": f"案件{i}", "description": "井盖破损", "status": "handling", "urgency": "一般",
             "lead_department_id": 1, "reported_at": T0, "updated_at": T0, "version": 1,
             "warning_level": 0, "due_at": T0 + timedelta(days=2)}
            for i in range(1, CASES + 1)])
        _insert(conn, t["case_event"], [
            {"id": 100 + i, "case_id": i, "at": T0, "actor_id": 1, "actor_name": "值班长",
             "action": "dispatch", "from_status": "pending_dispatch", "to_status": "handling",
             "note": f"派遣{i}", "data": {"department": "CG"}}
            for i in range(1, CASES + 1)])
        _insert(conn, t["case_clock"], [
            {"id": 200 + i, "case_id": i, "stage": "handle", "limit_text": "2wd", "started_at": T0,
             "due_at": datetime(2026, 11, 3, 9, 30, tzinfo=UTC), "paused": False, "warning_level": 0,
             "department_id": 1, "state": clock}
            for i in range(1, CASES + 1)])
        _insert(conn, t["case_exception"], [
            {"id": 7, "case_id": 3, "kind": "extension", "status": "pending", "reason": "材料未到",
             "extension": "2wd", "department_id": 1, "requested_at": T0}])
        _insert(conn, t["notification"], [
            {"id": 1, "department_id": 1, "case_id": 1, "kind": "dispatched", "message": "新派遣案件",
             "created_at": T0},
            {"id": 2, "case_id": 2, "kind": "sms_outbox", "role": "13800000000",
             "message": "您反映的问题已办结", "created_at": T0}])
        _insert(conn, t["case_attachment"], [
            {"id": 1, "case_id": 1, "event_id": 101, "kind": "after", "filename": "after.jpg",
             "stored_path": "ab/after.jpg", "content_type": "image/jpeg", "size": 1234,
             "uploaded_at": T0}])


def test_a_populated_case_hub_moves_onto_the_platform_tables(scratch_engine: sa.Engine) -> None:
    from smartgov.cases import clocks, service, sweeper
    from smartgov.cases.models import Case
    from smartgov.workclock.models import WorkTimer
    from smartgov.workflow.models import PendingRequest, TimelineEvent

    engine = scratch_engine
    upgrade(engine, "0001")
    _populate(engine)
    upgrade(engine)
    names = set(sa.inspect(engine).get_table_names())
    assert not names & {"case_event", "case_clock", "case_exception", "notification", "case_attachment"}
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(TimelineEvent)) == CASES
        assert session.scalar(select(func.count()).select_from(WorkTimer)) == CASES
        case = session.get(Case, 3)
        (event,) = service.timeline_of(session, 3)
        assert (event.id, event.action, event.from_state, event.to_state, event.note) == (
            103, "dispatch", "pending_dispatch", "handling", "派遣3")
        timer = clocks.open_clock(session, case)
        assert (timer.id, timer.stage, timer.department_id, timer.limit_text) == (203, "handle", 1, "2wd")
        waiting = service.pending_exception(session, case)
        assert (waiting.id, waiting.kind, waiting.extension) == (7, "extension", "2wd")
        assert waiting.reason == "材料未到"
        assert session.scalar(select(PendingRequest.subject_type)) == "case"
        # the moved clocks run on: a sweep after the limit marks every case overdue
        assert sweeper.sweep(session, datetime(2026, 11, 10, 1, 0, tzinfo=UTC)).raised == CASES
        session.expire_all()
        assert session.get(Case, 3).warning_level == 3
        # new rows get fresh ids after the kept ones
        service.add_event(session, case, None, "remind", case.status, case.status, "催办")
        session.commit()
        assert session.scalar(select(func.max(TimelineEvent.id))) == 100 + CASES + 1
    with engine.connect() as conn:
        moved = "SELECT subject_type, subject_id, kind FROM inbox_notification WHERE kind <> 'overdue'"
        inbox = conn.execute(text(moved)).all()
        assert [tuple(r) for r in inbox] == [("case", 1, "dispatched")]
        sms = conn.execute(text("SELECT channel, recipient FROM outbox_message")).all()
        assert [tuple(r) for r in sms] == [("sms", "13800000000")]
        link = conn.execute(text("SELECT subject_type, subject_id, event_id, kind FROM file_link")).all()
        assert [tuple(r) for r in link] == [("case", 1, 101, "after")]
