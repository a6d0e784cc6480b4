"""Work timers and the generic sweep on a toy subject: several timers, pauses, extensions, levels."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from smartgov.workclock import sweeper, timers
from smartgov.workclock.models import WorkTimer

T0 = datetime.fromisoformat("2026-12-01T09:00:00+08:00")  # a Tuesday


def start(session: Session, subject_id: int, department_id: int | None = None) -> WorkTimer:
    timer = timers.start(session, "toy", subject_id, "review", "10h", T0, department_id=department_id)
    session.flush()
    return timer


def test_several_timers_per_subject_each_with_its_own_limit(session: Session) -> None:
    a = timers.start(session, "toy", 1, "review", "10h", T0)
    b = timers.start(session, "toy", 1, "review", "1wd", T0)
    session.flush()
    assert [t.id for t in timers.open_timers(session, "toy", 1)] == [a.id, b.id]
    assert a.due_at == T0 + timedelta(hours=10)
    assert b.due_at == datetime.fromisoformat("2026-12-02T17:30:00+08:00")  # close of the next working day
    timers.stop(a, T0 + timedelta(hours=10))
    assert a.on_time is True  # exactly at the limit is on time
    timers.stop(b, datetime.fromisoformat("2026-12-02T17:31:00+08:00"))
    assert b.on_time is False
    assert timers.open_timers(session, "toy", 1) == []


def test_pause_moves_the_due_time_and_extend_adds_to_it(session: Session) -> None:
    timer = start(session, 2)
    timers.pause(timer, T0 + timedelta(hours=2), "补正")
    assert timer.paused
    timers.resume(timer, T0 + timedelta(hours=5))
    assert timer.due_at == T0 + timedelta(hours=13) and not timer.paused
    timer.warning_level = 2
    assert timers.extend(timer, "2h") == T0 + timedelta(hours=15)
    assert timer.warning_level == 0


@pytest.mark.parametrize(
    ("minutes", "level"),
    [(359, 0), (360, 1), (479, 1), (480, 2), (599, 2), (600, 3)],
)
def test_levels_at_60_and_80_percent_and_overdue_at_the_limit(session: Session, minutes: int, level: int):
    timer = start(session, 3)
    assert timers.warning_level_at(timer, T0 + timedelta(minutes=minutes)) == level


class Hook:
    """A sweep hook that keeps what it was told."""

    def __init__(self) -> None:
        self.begun = 0
        self.locked: list[int] = []
        self.levels: list[tuple[int, int]] = []

    def begin(self, session: Session) -> None:
        self.begun += 1

    def lock(self, session: Session, subject_id: int) -> None:
        self.locked.append(subject_id)

    def raised(self, session: Session, timer: WorkTimer, level: int, at: datetime) -> None:
        self.levels.append((timer.subject_id, level))


def test_sweep_raises_each_timer_once_per_level_and_calls_the_subject_hook(session: Session, monkeypatch):
    hook = Hook()
    monkeypatch.setitem(sweeper.HOOKS, "toy", hook)
    late, paused, ended = start(session, 10), start(session, 11), start(session, 12)
    timers.pause(paused, T0 + timedelta(hours=1), "挂起")
    timers.stop(ended, T0 + timedelta(hours=1))
    session.commit()
    first = sweeper.sweep(session, T0 + timedelta(hours=7))
    assert first.ran and first.checked == 1 and hook.levels == [(10, 1)] and hook.locked == [10]
    assert sweeper.sweep(session, T0 + timedelta(hours=7, minutes=30)).raised == 0
    sweeper.sweep(session, T0 + timedelta(hours=11))
    assert hook.levels == [(10, 1), (10, 3)] and hook.begun == 3
    session.expire_all()
    assert session.get(WorkTimer, late.id).warning_level == 3
    assert session.get(WorkTimer, paused.id).warning_level == 0
