"""WorkClock (计时器): a time limit counted over running and paused segments.

The budget is fixed when the clock starts, in the clock's own measure: working microseconds
for wh/wd limits, calendar microseconds for h/d. For "N wd" the budget is the working time
between the start and the close of business of the N-th working day after the start day, so an
unpaused clock is due exactly then. A pause (挂起/挂账/补正) consumes nothing, so the due time
moves forward by the working time that passed during the pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from smartgov.errors import Conflict, ValidationFailed
from smartgov.workclock.limits import TimeLimit
from smartgov.workclock.workcalendar import US_PER_H, US_PER_S, WorkCalendar, to_us

State = Literal["running", "paused", "stopped"]
STATE_VERSION = 1


@dataclass(slots=True)
class Segment:
    """One stretch of the clock: running or paused, open while ``end_us`` is None."""

    state: Literal["running", "paused"]
    start_us: int
    end_us: int | None = None
    reason: str = ""


class WorkClock:
    """A limit counted from a start moment; pause, resume, extend and stop move it."""

    __slots__ = ("calendar", "limit", "working", "budget_us", "segments", "extensions",
                 "stopped_us", "_due_cache")

    def __init__(self, *, calendar: WorkCalendar, limit: TimeLimit, budget_us: int,
                 segments: list[Segment], extensions: list[str] | None = None,
                 stopped_us: int | None = None) -> None:
        self.calendar = calendar
        self.limit = limit
        self.working = limit.is_working
        self.budget_us = budget_us
        self.segments = segments
        self.extensions = list(extensions or [])
        self.stopped_us = stopped_us
        self._due_cache: int | None = None

    @classmethod
    def start(cls, *, at: datetime, limit: TimeLimit | str,
              calendar: WorkCalendar | None = None) -> WorkClock:
        """Start counting ``limit`` at ``at`` (起算)."""
        calendar = calendar or _default_calendar()
        limit = TimeLimit.parse(limit)
        start_us = to_us(calendar.local(at))
        due_us = calendar.add_limit_us(start_us, limit)
        if limit.unit == "wd":
            budget = calendar.working_us_between(start_us, due_us)
        elif limit.unit == "wh":
            budget = round(limit.amount * US_PER_H)
        else:
            budget = due_us - start_us
        clock = cls(calendar=calendar, limit=limit, budget_us=budget,
                    segments=[Segment("running", start_us)])
        clock._due_cache = due_us
        return clock

    # -- state --------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        if self.stopped_us is not None:
            return "stopped"
        return self.segments[-1].state

    @property
    def is_running(self) -> bool:
        return self.state == "running"

    @property
    def is_paused(self) -> bool:
        return self.state == "paused"

    @property
    def started_at(self) -> datetime:
        return self.calendar.from_us(self.segments[0].start_us)

    @property
    def stopped_at(self) -> datetime | None:
        return None if self.stopped_us is None else self.calendar.from_us(self.stopped_us)

    @property
    def budget(self) -> timedelta:
        """The whole allowance including extensions, in the clock's measure."""
        return timedelta(microseconds=self.budget_us)

    @property
    def pauses(self) -> list[tuple[datetime, datetime | None, str]]:
        """(from, to, reason) of every pause; ``to`` is None while paused."""
        cal = self.calendar
        return [(cal.from_us(s.start_us), None if s.end_us is None else cal.from_us(s.end_us),
                 s.reason) for s in self.segments if s.state == "paused"]

    # -- actions ------------------------------------------------------------------------------
    def pause(self, at: datetime, reason: str = "") -> None:
        """Stop counting at ``at`` (挂起); the due time moves while paused."""
        if not self.is_running:
            raise Conflict(f"计时器当前为{_STATE_ZH[self.state]}，不能暂停 (clock is {self.state})",
                           code="clock_not_running")
        at_us = self._checked_us(at)
        self.segments[-1].end_us = at_us
        self.segments.append(Segment("paused", at_us, reason=reason))
        self._due_cache = None

    def resume(self, at: datetime) -> None:
        """Count again from ``at`` (恢复计时)."""
        if not self.is_paused:
            raise Conflict(f"计时器当前为{_STATE_ZH[self.state]}，不能恢复 (clock is {self.state})",
                           code="clock_not_paused")
        at_us = self._checked_us(at)
        self.segments[-1].end_us = at_us
        self.segments.append(Segment("running", at_us))
        self._due_cache = None

    def stop(self, at: datetime) -> None:
        """Stop for good (办结): elapsed time and overdue status freeze at ``at``."""
        if self.stopped_us is not None:
            raise Conflict("计时器已停止 (clock already stopped)", code="clock_stopped")
        at_us = self._checked_us(at)
        self.segments[-1].end_us = at_us
        self.stopped_us = at_us
        self._due_cache = None

    def extend(self, limit: TimeLimit | str, at: datetime | None = None) -> None:
        """Add an approved extension (延期) to the budget.

        Same-kind extensions add their length (1wd = one full working day of working time);
        a calendar extension on a working clock (or the reverse) adds the clock's measure between
        the current due time and that due time moved by the extension. ``at`` is used only for a
        paused clock, whose current due time is taken as if it resumed at ``at``.
        """
        if self.stopped_us is not None:
            raise Conflict("计时器已停止，不能延期 (clock stopped)", code="clock_stopped")
        ext = TimeLimit.parse(limit)
        cal = self.calendar
        if self.working and ext.unit == "wd":
            added = int(ext.amount) * cal.day_us
        elif self.working == ext.is_working and ext.unit != "wd":
            duration = ext.fixed_duration()
            assert duration is not None
            added = duration // timedelta(microseconds=1)
        else:
            due_us = self._due_us(None if at is None else to_us(cal.local(at)))
            moved = cal.add_limit_us(due_us, ext)
            added = self._measure(due_us, moved)
        self.budget_us += added
        self.extensions.append(str(ext))
        self._due_cache = None

    # -- readings -----------------------------------------------------------------------------
    def due_at(self, now: datetime | None = None) -> datetime | None:
        """到期时间. Running or stopped: the due time (a stopped clock keeps the one it had).

        Paused: None when ``now`` is not given (a paused clock has no due time); with ``now``,
        the due time it would have if it resumed at ``now`` (never earlier than the pause start).
        """
        if self.is_paused and now is None:
            return None
        resume_us = None if now is None else to_us(self.calendar.local(now))
        return self.calendar.from_us(self._due_us(resume_us))

    def elapsed(self, at: datetime | None = None) -> timedelta:
        """Time consumed up to ``at`` (default now), excluding pauses, in the clock's measure."""
        end_us = self._end_us(at)
        return timedelta(microseconds=sum(self._measure(s, e) for s, e in self._runs(end_us)))

    def remaining(self, at: datetime | None = None) -> timedelta:
        """Budget left at ``at``; negative once the budget is used up."""
        return self.budget - self.elapsed(at)

    def fraction_used(self, at: datetime | None = None) -> float:
        """Elapsed / budget at ``at``: 0.0 at the start, 1.0 at the due time (may exceed 1)."""
        return self.elapsed(at) / self.budget if self.budget_us else 1.0

    def is_overdue(self, at: datetime | None = None) -> bool:
        """超期: the budget ran out before ``at`` (before the stop for a stopped clock)."""
        end_us = self._end_us(at)
        consumed = 0
        for s, e in self._runs(end_us):
            rest = self.budget_us - consumed
            used = self._measure(s, e)
            if used >= rest:
                return end_us > self._add(s, rest)
            consumed += used
        return False

    # -- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible state; ``due_at`` is informative, the budget is authoritative."""
        cal = self.calendar
        due = self.due_at()
        return {
            "version": STATE_VERSION,
            "limit": str(self.limit),
            "measure": "working" if self.working else "calendar",
            "budget_s": _seconds(self.budget_us),
            "extensions": list(self.extensions),
            "segments": [
                {"state": s.state, "from": cal.from_us(s.start_us).isoformat(),
                 "to": None if s.end_us is None else cal.from_us(s.end_us).isoformat(),
                 **({"reason": s.reason} if s.reason else {})}
                for s in self.segments
            ],
            "stopped_at": (None if self.stopped_us is None
                           else cal.from_us(self.stopped_us).isoformat()),
            "due_at": None if due is None else due.isoformat(),
            **({"provisional": True} if cal.provisional else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], calendar: WorkCalendar | None = None) -> WorkClock:
        """Rebuild a clock stored with ``to_dict``; a clock counted on a provisional calendar
        (暂定, a year the calendar did not know) stays on it."""
        calendar = calendar or _default_calendar()
        if data.get("provisional"):
            calendar = calendar.provisional_copy()
        try:
            segments = [Segment(s["state"], _parse_us(s["from"]),
                                None if s.get("to") is None else _parse_us(s["to"]),
                                s.get("reason", "") or "") for s in data["segments"]]
            if not segments or any(s.state not in ("running", "paused") for s in segments):
                raise ValueError("bad segments")
            stopped = data.get("stopped_at")
            return cls(calendar=calendar, limit=TimeLimit.parse(data["limit"]),
                       budget_us=round(float(data["budget_s"]) * US_PER_S), segments=segments,
                       extensions=list(data.get("extensions") or []),
                       stopped_us=None if stopped is None else _parse_us(stopped))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(f"计时器状态数据无效 (bad clock state): {exc}",
                                   code="bad_clock_state") from exc

    def __repr__(self) -> str:
        return (f"WorkClock({self.limit}, state={self.state}, "
                f"started={self.started_at.isoformat()}, budget={self.budget})")

    # -- internals ----------------------------------------------------------------------------
    def _measure(self, start_us: int, end_us: int) -> int:
        if self.working:
            return self.calendar.working_us_between(start_us, end_us)
        return max(0, end_us - start_us)

    def _add(self, start_us: int, amount_us: int) -> int:
        if self.working:
            return self.calendar.add_working_us(start_us, amount_us)
        return start_us + max(0, amount_us)

    def _checked_us(self, at: datetime) -> int:
        at_us = to_us(self.calendar.local(at))
        if at_us < self.segments[-1].start_us:
            raise ValidationFailed("时间早于上一次计时状态变化 (time goes backwards)",
                                   code="clock_time_backwards")
        return at_us

    def _end_us(self, at: datetime | None) -> int:
        at_us = to_us(self.calendar.local(at or datetime.now(self.calendar.tz)))
        return at_us if self.stopped_us is None else min(at_us, self.stopped_us)

    def _runs(self, end_us: int) -> list[tuple[int, int]]:
        """Running stretches clipped to ``end_us``."""
        runs = []
        for seg in self.segments:
            if seg.state != "running" or seg.start_us >= end_us:
                continue
            runs.append((seg.start_us, end_us if seg.end_us is None else min(seg.end_us, end_us)))
        return runs

    def _due_us(self, resume_us: int | None) -> int:
        """Due time; a clock not counting now is projected as if it resumed at ``resume_us``."""
        counting = self.segments[-1].state == "running"
        if counting and self._due_cache is not None:
            return self._due_cache
        runs = [(s.start_us, s.end_us) for s in self.segments if s.state == "running"]
        if counting:
            tail_us = runs.pop()[0]
        else:
            tail_us = self.segments[-1].start_us if self.stopped_us is None else self.stopped_us
            if resume_us is not None and self.stopped_us is None:
                tail_us = max(tail_us, resume_us)
        consumed = 0
        for s, e in runs:
            assert e is not None
            rest = self.budget_us - consumed
            used = self._measure(s, e)
            if used >= rest:
                return self._add(s, rest)  # ran out before the pause: the due time is past
            consumed += used
        due = self._add(tail_us, self.budget_us - consumed)
        if counting:
            self._due_cache = due
        return due


_STATE_ZH = {"running": "计时中", "paused": "暂停", "stopped": "已停止"}


def _parse_us(text: str) -> int:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"naive time {text!r}")
    return to_us(moment)


def _seconds(us: int) -> int | float:
    return us // US_PER_S if us % US_PER_S == 0 else us / US_PER_S


def _default_calendar() -> WorkCalendar:
    from smartgov.workclock.calendars import get_calendar

    return get_calendar()
