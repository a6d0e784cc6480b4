"""WorkClock: pauses move the due time, extensions, elapsed/remaining/fraction, overdue, JSON."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from smartgov.errors import Conflict, ValidationFailed
from smartgov.workclock.service import TimeLimit, WorkCalendar, WorkClock
from tests.workclock.conftest import at


def _start(cal: WorkCalendar, when: str, limit: str) -> WorkClock:
    return WorkClock.start(at=at(when), limit=TimeLimit.parse(limit), calendar=cal)


def test_unpaused_clocks_match_the_calendar(cal: WorkCalendar) -> None:
    for start in ("2026-09-30 16:00", "2026-10-03 10:00", "2025-01-24 12:30", "2026-03-04 07:00"):
        for limit in ("1wd", "3wd", "10wd", "4wh", "0.5wh", "24h", "2d"):
            clock = _start(cal, start, limit)
            assert clock.due_at() == cal.add_working_time(at(start), limit), (start, limit)
    assert _start(cal, "2026-09-30 16:00", "3wd").due_at() == at("2026-10-10 17:30")


def test_wd_budget_is_the_working_time_to_the_due_time(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-09-30 16:00", "3wd")
    assert clock.budget == timedelta(hours=1.5 + 3 * 7.5)
    assert clock.elapsed(at("2026-10-10 17:30")) == clock.budget
    assert clock.fraction_used(at("2026-10-10 17:30")) == 1.0


def test_pause_moves_the_due_time_by_the_working_time_paused(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-09-30 16:00", "3wd")
    clock.pause(at("2026-10-08 09:00"), "补正")
    assert clock.state == "paused" and clock.is_paused
    assert clock.due_at() is None  # a paused clock has no due time …
    assert clock.due_at(now=at("2026-10-09 09:00")) == at("2026-10-12 17:30")  # … unless resumed
    assert clock.due_at(now=at("2026-10-08 08:00")) == at("2026-10-10 17:30")  # not before pause
    clock.resume(at("2026-10-09 09:00"))  # 7.5 working hours paused = one working day
    assert clock.due_at() == at("2026-10-12 17:30")
    assert clock.pauses == [(at("2026-10-08 09:00"), at("2026-10-09 09:00"), "补正")]


def test_pause_over_a_weekend_or_night_does_not_move_the_due_time(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-03-04 09:00", "2wd")  # due Fri 6 Mar 17:30
    clock.pause(at("2026-03-04 18:00"), "night")
    clock.resume(at("2026-03-05 08:00"))
    assert clock.due_at() == at("2026-03-06 17:30")
    clock.pause(at("2026-03-05 10:00"), "")
    clock.resume(at("2026-03-05 11:00"))  # one working hour
    assert clock.due_at() == at("2026-03-09 09:30")


def test_working_hours_clock_with_pause(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-09-30 16:00", "4wh")
    assert clock.due_at() == at("2026-10-08 11:00")
    clock.pause(at("2026-09-30 17:00"), "挂账")  # 1 working hour consumed
    clock.resume(at("2026-10-08 14:00"))
    assert clock.due_at() == at("2026-10-08 17:00")
    assert clock.elapsed(at("2026-10-08 15:00")) == timedelta(hours=2)
    assert clock.remaining(at("2026-10-08 15:00")) == timedelta(hours=2)
    assert clock.fraction_used(at("2026-10-08 15:00")) == 0.5


def test_calendar_clock_pauses_in_calendar_time(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-09-30 16:00", "24h")
    clock.pause(at("2026-09-30 22:00"), "")
    clock.resume(at("2026-10-01 04:00"))
    assert clock.due_at() == at("2026-10-01 22:00")
    assert clock.elapsed(at("2026-10-01 10:00")) == timedelta(hours=12)
    assert clock.fraction_used(at("2026-10-01 10:00")) == 0.5


def test_extension_adds_time(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-09-30 16:00", "3wd")
    clock.extend(TimeLimit.parse("2wd"))
    assert clock.due_at() == at("2026-10-13 17:30")  # 12 Oct (Mon), 13 Oct
    clock.extend("4wh")
    assert clock.due_at() == at("2026-10-14 14:00")  # 3.5h before lunch, 0.5h after
    assert clock.extensions == ["2wd", "4wh"]
    hours = _start(cal, "2026-09-30 16:00", "4wh")
    hours.extend("1wd")
    assert hours.due_at() == at("2026-10-09 11:00")


def test_extension_across_measures(cal: WorkCalendar) -> None:
    calendar_clock = _start(cal, "2026-09-30 10:00", "24h")  # due 1 Oct 10:00 (holiday)
    calendar_clock.extend("1wd")  # close of the next working day after 1 Oct
    assert calendar_clock.due_at() == at("2026-10-08 17:30")
    working = _start(cal, "2026-03-04 09:00", "1wd")  # due Thu 5 Mar 17:30
    working.extend("2d")  # to Sat 7 Mar 17:30: only Friday's working time counts
    assert working.due_at() == at("2026-03-06 17:30")


def test_extension_while_paused(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-03-04 09:00", "1wd")
    clock.pause(at("2026-03-04 10:00"), "")
    clock.extend("1wd")
    clock.resume(at("2026-03-05 10:00"))  # one working day paused
    assert clock.due_at() == at("2026-03-09 17:30")


def test_overdue_and_fraction(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-03-04 09:00", "4wh")  # due 14:30 (lunch excluded)
    assert clock.fraction_used(at("2026-03-04 09:00")) == 0.0
    assert clock.fraction_used(at("2026-03-04 13:00")) == 0.75  # lunch excluded
    assert not clock.is_overdue(at("2026-03-04 14:30"))
    assert clock.is_overdue(at("2026-03-04 14:31"))
    assert clock.fraction_used(at("2026-03-04 15:00")) == 1.125
    assert clock.remaining(at("2026-03-04 15:00")) == timedelta(hours=-0.5)
    evening = _start(cal, "2026-03-04 13:30", "4wh")  # due 17:30, nothing counts at night
    assert evening.is_overdue(at("2026-03-04 20:00"))
    assert evening.fraction_used(at("2026-03-04 20:00")) == 1.0


def test_a_clock_paused_after_its_due_time_stays_overdue(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-03-04 09:00", "1wh")
    clock.pause(at("2026-03-04 11:00"), "")
    assert clock.is_overdue(at("2026-03-06 11:00"))
    assert clock.due_at(now=at("2026-03-05 09:00")) == at("2026-03-04 10:00")
    clock.resume(at("2026-03-05 09:00"))
    assert clock.due_at() == at("2026-03-04 10:00")
    paused_in_time = _start(cal, "2026-03-04 09:00", "1wh")
    paused_in_time.pause(at("2026-03-04 09:30"), "")
    assert not paused_in_time.is_overdue(at("2026-03-10 09:00"))


def test_stop_freezes_the_reading(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-03-04 09:00", "4wh")
    clock.stop(at("2026-03-04 13:45"))
    assert clock.state == "stopped"
    assert not clock.is_overdue(at("2026-03-10 09:00"))  # finished before 14:30
    assert clock.elapsed(at("2026-03-10 09:00")) == timedelta(hours=3, minutes=15)
    assert clock.due_at() == at("2026-03-04 14:30")
    on_the_dot = _start(cal, "2026-03-04 09:00", "4wh")
    on_the_dot.stop(at("2026-03-04 14:30"))
    assert not on_the_dot.is_overdue(at("2026-03-04 18:00"))
    late = _start(cal, "2026-03-04 09:00", "4wh")
    late.stop(at("2026-03-04 14:45"))
    assert late.is_overdue(at("2026-03-04 14:45"))
    with pytest.raises(Conflict):
        late.stop(at("2026-03-04 15:00"))
    with pytest.raises(Conflict):
        late.extend("1wd")


def test_invalid_transitions(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-03-04 09:00", "4wh")
    with pytest.raises(Conflict):
        clock.resume(at("2026-03-04 10:00"))
    clock.pause(at("2026-03-04 10:00"), "")
    with pytest.raises(Conflict):
        clock.pause(at("2026-03-04 11:00"), "")
    with pytest.raises(ValidationFailed):
        clock.resume(at("2026-03-04 09:30"))  # earlier than the pause


def test_json_round_trip(cal: WorkCalendar) -> None:
    clock = _start(cal, "2026-09-30 16:00", "3wd")
    clock.pause(at("2026-10-08 09:00"), "等待申请人补正")
    clock.resume(at("2026-10-09 09:00"))
    clock.extend("1wd")
    data = json.loads(json.dumps(clock.to_dict()))
    assert data["limit"] == "3wd" and data["measure"] == "working"
    assert data["due_at"] == "2026-10-13T17:30:00+08:00"
    again = WorkClock.from_dict(data, calendar=cal)
    assert again.due_at() == clock.due_at() == at("2026-10-13 17:30")
    assert again.pauses == clock.pauses and again.extensions == ["1wd"]
    assert again.to_dict() == data
    paused = _start(cal, "2026-03-04 09:00", "2d")
    paused.pause(at("2026-03-04 10:00"), "")
    restored = WorkClock.from_dict(paused.to_dict(), calendar=cal)
    assert restored.is_paused and restored.due_at() is None
    stopped = _start(cal, "2026-03-04 09:00", "4wh")
    stopped.stop(at("2026-03-04 10:00"))
    assert WorkClock.from_dict(stopped.to_dict(), calendar=cal).state == "stopped"


def test_bad_state_is_refused(cal: WorkCalendar) -> None:
    for bad in ({}, {"limit": "3wd", "budget_s": 1, "segments": []},
                {"limit": "3wd", "budget_s": 1, "segments": [{"state": "x", "from": "2026"}]}):
        with pytest.raises(ValidationFailed):
            WorkClock.from_dict(bad, calendar=cal)


def test_naive_moments_are_taken_in_the_calendar_zone(cal: WorkCalendar) -> None:
    from datetime import datetime

    clock = WorkClock.start(at=datetime(2026, 9, 30, 16, 0), limit="4wh", calendar=cal)
    assert clock.due_at() == at("2026-10-08 11:00")


def test_a_provisional_clock_stays_provisional_through_its_stored_state(cal: WorkCalendar) -> None:
    """暂定: the workclock keeps the flag itself; one provisional calendar serves every clock."""
    provisional = cal.provisional_copy()
    assert provisional is cal.provisional_copy() and provisional.provisional_copy() is provisional
    clock = WorkClock.start(at=at("2026-10-09 09:00"), limit=TimeLimit.parse("2wd"), calendar=provisional)
    state = clock.to_dict()
    assert state["provisional"] is True
    again = WorkClock.from_dict(json.loads(json.dumps(state)), calendar=cal)
    assert again.calendar is provisional and again.due_at() == clock.due_at()
    plain = WorkClock.start(at=at("2026-10-09 09:00"), limit=TimeLimit.parse("2wd"), calendar=cal)
    assert "provisional" not in plain.to_dict()
