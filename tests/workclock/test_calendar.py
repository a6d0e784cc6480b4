"""WorkCalendar: real 2025/2026 holidays and 调休, working hours, due times of fresh limits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smartgov.workclock.service import (
    BadWorkHours,
    CalendarUnknownYear,
    TimeLimit,
    WorkCalendar,
    parse_work_hours,
)
from tests.workclock.conftest import TZ, at


def _due(cal: WorkCalendar, start: str, limit: str) -> str:
    return cal.add_working_time(at(start), TimeLimit.parse(limit)).strftime("%Y-%m-%d %H:%M")


def test_2025_spring_festival_and_make_up_days(cal: WorkCalendar) -> None:
    for offset in range(8):  # 28 Jan – 4 Feb off
        assert not cal.is_workday(date(2025, 1, 28) + timedelta(days=offset))
    assert cal.is_workday(date(2025, 1, 26))  # Sunday, 调休上班
    assert cal.is_workday(date(2025, 2, 8))  # Saturday, 调休上班
    assert cal.is_workday(date(2025, 1, 27)) and cal.is_workday(date(2025, 2, 5))
    assert not cal.is_workday(date(2025, 2, 9))  # ordinary Sunday


def test_2025_and_2026_national_day(cal: WorkCalendar) -> None:
    assert all(not cal.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert cal.is_workday(date(2025, 9, 28)) and cal.is_workday(date(2025, 10, 11))
    assert all(not cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2026, 9, 20)) and cal.is_workday(date(2026, 10, 10))
    assert cal.is_workday(date(2026, 10, 8))


def test_working_days_end_at_close_of_the_nth_working_day_after(cal: WorkCalendar) -> None:
    assert _due(cal, "2026-09-30 16:00", "3wd") == "2026-10-10 17:30"  # 8, 9, 10 (Sat 调休)
    assert _due(cal, "2026-09-30 08:00", "1wd") == "2026-10-08 17:30"  # start day never counts
    assert _due(cal, "2025-01-24 10:00", "3wd") == "2025-02-05 17:30"  # 26, 27 Jan, 5 Feb
    assert _due(cal, "2025-01-24 10:00", "2wd") == "2025-01-27 17:30"
    assert _due(cal, "2025-01-25 10:00", "1wd") == "2025-01-26 17:30"  # Sat start → Sun 调休
    assert _due(cal, "2026-03-06 23:00", "1wd") == "2026-03-09 17:30"  # Fri night → Mon


def test_working_hours_from_start_or_next_opening(cal: WorkCalendar) -> None:
    assert _due(cal, "2026-09-30 16:00", "4wh") == "2026-10-08 11:00"
    assert _due(cal, "2026-03-04 07:00", "4wh") == "2026-03-04 14:00"  # before 08:30
    assert _due(cal, "2026-03-04 12:30", "1wh") == "2026-03-04 14:30"  # lunch break
    assert _due(cal, "2026-03-04 18:00", "2wh") == "2026-03-05 10:30"  # after 17:30
    assert _due(cal, "2026-03-07 10:00", "4wh") == "2026-03-09 14:00"  # Saturday → Monday
    assert _due(cal, "2026-03-07 10:00", "3.5wh") == "2026-03-09 12:00"  # ends at lunch
    assert _due(cal, "2026-03-04 11:00", "1.5wh") == "2026-03-04 14:00"  # across lunch
    assert _due(cal, "2026-03-04 17:00", "0.5wh") == "2026-03-04 17:30"  # ends at closing
    assert _due(cal, "2026-03-04 09:15", "7.5wh") == "2026-03-05 09:15"


def test_calendar_hours_and_days_are_plain_durations(cal: WorkCalendar) -> None:
    assert _due(cal, "2026-09-30 16:00", "24h") == "2026-10-01 16:00"
    assert _due(cal, "2026-09-30 16:00", "2d") == "2026-10-02 16:00"
    assert _due(cal, "2026-03-07 22:30", "1.5h") == "2026-03-08 00:00"


def test_due_time_keeps_the_configured_zone(cal: WorkCalendar) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2026, 9, 30, 8, 0, tzinfo=ZoneInfo("UTC"))  # 16:00 in Shanghai
    due = cal.add_working_time(start, "3wd")
    assert due.isoformat() == "2026-10-10T17:30:00+08:00"


def test_intervals_and_helpers(cal: WorkCalendar) -> None:
    day = date(2026, 10, 10)
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in cal.working_intervals(day)] \
        == [("08:30", "12:00"), ("13:30", "17:30")]
    assert cal.working_intervals(date(2026, 10, 1)) == []
    assert cal.close_of_business(date(2026, 10, 1)) is None
    assert cal.is_working_time(at("2026-10-10 09:00"))
    assert not cal.is_working_time(at("2026-10-10 12:30"))
    assert cal.next_opening(at("2026-09-30 18:00")) == at("2026-10-08 08:30")
    assert cal.next_opening(at("2026-10-08 10:00")) == at("2026-10-08 10:00")
    assert cal.working_time_between(at("2026-09-30 16:00"), at("2026-10-08 11:00")) \
        == timedelta(hours=4)
    assert cal.day_us == 7.5 * 3600 * 1_000_000


def test_special_days_lists_holidays_and_make_up_days(cal: WorkCalendar) -> None:
    days = {d.day: d for d in cal.special_days(2026)}
    assert days[date(2026, 10, 10)].is_workday and days[date(2026, 9, 20)].is_workday
    assert not days[date(2026, 10, 1)].is_workday
    assert days[date(2026, 10, 1)].name == "National Day"
    assert date(2026, 10, 3) not in days  # a Saturday off is not special
    assert {d.source for d in days.values()} == {"package"}


def test_custom_working_hours_and_zone() -> None:
    cal = WorkCalendar(work_hours="09:00-12:00,14:00-18:00", tz="Asia/Shanghai")
    assert cal.add_working_time(at("2026-03-04 17:00"), "2wh") == at("2026-03-05 10:00")
    assert cal.add_working_time(at("2026-03-04 08:00"), "1wd") == at("2026-03-05 18:00")
    assert parse_work_hours("08:30-12:00, 13:30-17:30") == ((510, 720), (810, 1050))
    assert parse_work_hours("00:00-24:00") == ((0, 1440),)
    whole_day = WorkCalendar(work_hours="00:00-24:00", tz=TZ)
    assert whole_day.add_working_time(at("2026-03-04 20:00"), "8wh") == at("2026-03-05 04:00")


def test_working_hours_follow_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from smartgov.config import reset_settings

    monkeypatch.setenv("SMARTGOV_WORK_HOURS", "09:00-17:00")
    reset_settings()
    try:
        cal = WorkCalendar()
        assert cal.hours == ((540, 1020),)
        assert cal.add_working_time(at("2026-03-04 16:00"), "2wh") == at("2026-03-05 10:00")
    finally:
        monkeypatch.delenv("SMARTGOV_WORK_HOURS")
        reset_settings()


@pytest.mark.parametrize("text", ["", "8:30", "08:30-08:00", "08:30-12:00,11:00-13:00",
                                  "25:00-26:00", "08:75-09:00", "morning"])
def test_bad_working_hours_are_refused(text: str) -> None:
    with pytest.raises(BadWorkHours):
        parse_work_hours(text)


def test_unknown_year_raises_a_clear_error(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarUnknownYear) as info:
        cal.is_workday(date(2030, 3, 4))
    error = info.value
    assert error.year == 2030 and error.code == "calendar_unknown_year"
    assert "2030" in error.message and "smartgov clock load" in error.message
    assert "年" in error.message and "does not know" in error.message
    with pytest.raises(CalendarUnknownYear):
        cal.add_working_time(at("2026-12-28 10:00"), "5wd")  # runs into 2027
    with pytest.raises(CalendarUnknownYear):
        cal.special_days(2027)
    assert not cal.knows_year(2027) and cal.knows_year(2025)
    # calendar limits need no calendar
    assert cal.add_working_time(at("2026-12-31 10:00"), "2d") == at("2027-01-02 10:00")


def test_loaded_days_override_the_package_date_by_date() -> None:
    cal = WorkCalendar({date(2026, 10, 11): True, date(2026, 10, 9): False},
                       names={date(2026, 10, 11): "测试调休"},
                       work_hours="08:30-12:00,13:30-17:30", tz=TZ)
    assert cal.is_workday(date(2026, 10, 11)) and not cal.is_workday(date(2026, 10, 9))
    assert not cal.is_workday(date(2026, 10, 1))  # package still rules the other dates
    assert cal.add_working_time(at("2026-09-30 16:00"), "3wd") == at("2026-10-11 17:30")
    special = {d.day: d for d in cal.special_days(2026)}
    assert special[date(2026, 10, 11)].source == "loaded"
    assert special[date(2026, 10, 11)].name == "测试调休"


def test_a_year_known_only_by_loaded_days_uses_monday_to_friday() -> None:
    cal = WorkCalendar({date(2027, 10, 1): False, date(2027, 9, 26): True},
                       work_hours="08:30-12:00,13:30-17:30", tz=TZ)
    assert cal.knows_year(2027)
    assert not cal.is_workday(date(2027, 10, 1))  # Friday, listed off
    assert cal.is_workday(date(2027, 9, 26))  # Sunday, listed as 调休
    assert cal.is_workday(date(2027, 3, 3))  # Wednesday, unlisted
    assert not cal.is_workday(date(2027, 3, 6))  # Saturday, unlisted
    assert cal.add_working_time(at("2026-12-31 10:00"), "1wd") == at("2027-01-01 17:30")
