"""Loading holiday schedules (CSV/JSON) into calendar_day; the process calendar follows them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from smartgov.workclock.models import CalendarDay
from smartgov.workclock.service import (
    BadSchedule,
    CalendarUnknownYear,
    WorkCalendar,
    get_calendar,
    load_schedule,
    parse_schedule,
)
from tests.workclock.conftest import at

CSV_2027 = """date,is_workday,name
2027-01-01,0,元旦
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,false,春节
2027-02-10,0,春节
2027-02-11,0,春节
2027-02-12,0,春节
2027-02-13,0,春节
2027-02-14,班,春节调休
2027-02-20,true,春节调休
"""


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_csv_schedule_makes_an_unknown_year_known(session: Session, tmp_path: Path) -> None:
    with pytest.raises(CalendarUnknownYear):
        get_calendar().is_workday(date(2027, 2, 10))
    assert load_schedule(session, _write(tmp_path, "2027.csv", CSV_2027)) == 11
    cal = get_calendar()
    assert not cal.is_workday(date(2027, 2, 10)) and cal.is_workday(date(2027, 2, 14))
    assert cal.is_workday(date(2027, 3, 3)) and not cal.is_workday(date(2027, 3, 6))
    assert cal.add_working_time(at("2027-02-05 10:00"), "2wd") == at("2027-02-15 17:30")
    assert cal.day_name(date(2027, 2, 14)) == "春节调休"
    rows = session.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
    assert rows[0].day == date(2027, 1, 1) and rows[0].name == "元旦" and not rows[0].is_workday
    assert rows[0].loaded_at.tzinfo is not None


def test_a_loaded_make_up_day_overrides_the_package(session: Session, tmp_path: Path) -> None:
    assert get_calendar().add_working_time(at("2026-09-30 16:00"), "3wd") == at("2026-10-10 17:30")
    data = [{"date": "2026-10-09", "is_workday": False, "name": "测试"},
            {"date": "2026-10-11", "is_workday": 1, "name": "测试调休"}]
    assert load_schedule(session, _write(tmp_path, "fix.json", json.dumps(data))) == 2
    cal = get_calendar()
    assert cal.is_workday(date(2026, 10, 11)) and not cal.is_workday(date(2026, 10, 9))
    assert not cal.is_workday(date(2026, 10, 1))  # other package days stay
    assert cal.add_working_time(at("2026-09-30 16:00"), "3wd") == at("2026-10-11 17:30")


def test_json_year_format_with_ranges(session: Session, tmp_path: Path) -> None:
    data = {"year": 2027,
            "holidays": ["2027-01-01", {"date": "2027-10-01..2027-10-07", "name": "国庆节"}],
            "workdays": [{"date": "2027-09-26", "name": "国庆调休"}, "2027-10-09"]}
    assert load_schedule(session, _write(tmp_path, "2027.json", json.dumps(data))) == 10
    cal = get_calendar()
    assert all(not cal.is_workday(date(2027, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2027, 9, 26)) and cal.is_workday(date(2027, 10, 9))
    assert cal.day_name(date(2027, 10, 3)) == "国庆节"
    special = {d.day for d in cal.special_days(2027)}
    assert date(2027, 9, 26) in special and date(2027, 10, 1) in special


def test_reloading_a_year_replaces_its_loaded_days(session: Session, tmp_path: Path) -> None:
    load_schedule(session, _write(tmp_path, "a.csv", CSV_2027))
    load_schedule(session, _write(tmp_path, "b.csv", "2027-05-03,休,劳动节\n2026-10-11,班,x\n"))
    days = session.scalars(select(CalendarDay.day).order_by(CalendarDay.day)).all()
    assert days == [date(2026, 10, 11), date(2027, 5, 3)]
    assert get_calendar().is_workday(date(2027, 2, 10))  # the old 2027 rows are gone


def test_calendar_from_session(session: Session, tmp_path: Path) -> None:
    load_schedule(session, _write(tmp_path, "a.csv", CSV_2027))
    cal = WorkCalendar.from_session(session)
    assert cal.loaded_years == frozenset({2027}) and not cal.is_workday(date(2027, 2, 10))


def test_another_process_sees_a_new_schedule_after_the_recheck(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from smartgov.workclock import calendars

    first = get_calendar()
    assert get_calendar() is first  # cached
    session.add(CalendarDay(day=date(2027, 1, 4), is_workday=True, name="x"))
    session.commit()  # written without load_schedule, as another process would
    assert get_calendar() is first
    monkeypatch.setattr(calendars, "CALENDAR_RECHECK_S", 0.0)
    refreshed = get_calendar()
    assert refreshed is not first and refreshed.knows_year(2027)
    assert get_calendar() is refreshed  # same fingerprint: kept


def test_missing_table_falls_back_to_the_package(tmp_path: Path) -> None:
    from smartgov.db import make_engine

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with empty.begin() as conn:
        conn.execute(text("CREATE TABLE other (id INTEGER)"))
    with Session(empty) as other:
        cal = get_calendar(other)
    assert cal.add_working_time(at("2026-09-30 16:00"), "3wd") == at("2026-10-10 17:30")
    assert cal.loaded_years == frozenset()
    empty.dispose()


def test_no_database_file_falls_back_without_creating_one(tmp_path: Path) -> None:
    from smartgov.db import make_engine, set_engine

    missing = tmp_path / "none" / "smartgov.db"
    set_engine(make_engine(f"sqlite:///{missing}"))
    try:
        assert get_calendar().add_working_time(at("2026-09-30 16:00"), "4wh") \
            == at("2026-10-08 11:00")
    finally:
        set_engine(None)
    assert not missing.exists()


def test_settings_change_rebuilds_the_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    from smartgov.config import reset_settings

    first = get_calendar()
    monkeypatch.setenv("SMARTGOV_WORK_HOURS", "09:00-17:00")
    reset_settings()
    try:
        assert get_calendar().hours == ((540, 1020),) and get_calendar() is not first
    finally:
        monkeypatch.delenv("SMARTGOV_WORK_HOURS")
        reset_settings()


@pytest.mark.parametrize(("content", "kind", "fragment"), [
    ("2027-01-01,maybe,x\n", "csv", "is_workday"),
    ("2027-13-01,1,x\n", "csv", "日期无效"),
    ("2027-01-01\n", "csv", "line 1"),
    ("date,is_workday\n", "csv", "no days"),
    ("2027-01-01,1\n2027-01-01,0\n", "csv", "both"),
    ("{not json", "json", "bad JSON"),
    ('{"foo": 1}', "json", "unexpected"),
    ('[{"date": "2027-01-01"}]', "json", "missing"),
    ('{"year": 2027, "holidays": ["2028-01-01"]}', "json", "outside"),
    ('{"holidays": ["2027-01-05..2027-01-01"]}', "json", "bad range"),
])
def test_bad_schedules_are_refused_with_reasons(content: str, kind: str, fragment: str) -> None:
    with pytest.raises(BadSchedule) as info:
        parse_schedule(content, kind)
    assert fragment in info.value.message and info.value.status_code == 422


def test_bad_file_stores_nothing(session: Session, tmp_path: Path) -> None:
    bad = CSV_2027 + "2027-03-01,perhaps,?\n"
    with pytest.raises(BadSchedule) as info:
        load_schedule(session, _write(tmp_path, "bad.csv", bad))
    assert "13" in info.value.message  # the line number
    assert session.scalars(select(CalendarDay)).all() == []


def test_csv_accepts_bom_slashes_and_no_header() -> None:
    days = parse_schedule("\ufeff2027/1/1,休\n2027-01-02,1,\n# comment\n\n", "csv")
    assert [(d.day, d.is_workday) for d in days] == [(date(2027, 1, 1), False),
                                                      (date(2027, 1, 2), True)]
