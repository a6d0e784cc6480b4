"""The working calendar (工作日历): statutory holidays, 调休 make-up days and working hours.

Working days come from the ``chinese-calendar`` package, overridden date by date by days an
administrator loaded (table ``calendar_day``). Internally every moment is an integer number of
microseconds since the Unix epoch, so arithmetic is exact and independent of UTC offsets.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import chinese_calendar

from smartgov.config import get_settings
from smartgov.errors import AppError, ValidationFailed
from smartgov.workclock.limits import TimeLimit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
US_PER_S = 1_000_000
US_PER_H = 3600 * US_PER_S
MAX_DAYS = 4000  # no walk ever crosses more than ~11 years of days

_HOURS_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class CalendarUnknownYear(AppError):
    """The calendar has no holiday schedule for this year (未加载该年度节假日安排)."""

    status_code = 409
    code = "calendar_unknown_year"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"工作日历中没有 {year} 年的节假日安排，请管理员导入该年度安排："
            f"smartgov clock load <文件.csv|.json>（或升级 chinese-calendar）。"
            f" The working calendar does not know the year {year}: load its holiday schedule "
            f"with `smartgov clock load FILE` (CSV date,is_workday,name or JSON), "
            f"or upgrade the chinese-calendar package.",
            details={"year": year},
        )
        self.year = year


class BadWorkHours(ValidationFailed):
    code = "bad_work_hours"


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A day that differs from the Mon–Fri rule: a holiday on a weekday or a make-up working day."""

    day: date
    is_workday: bool
    name: str
    source: str  # "package" or "loaded"


def parse_work_hours(text: str) -> tuple[tuple[int, int], ...]:
    """"08:30-12:00,13:30-17:30" → ((510, 720), (810, 1050)) in minutes after midnight."""
    ranges: list[tuple[int, int]] = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = _HOURS_RANGE.match(part)
        if match is None:
            raise BadWorkHours(f"工作时间格式有误 {part!r}，应为 08:30-12:00,13:30-17:30 "
                               f"(bad working hours {part!r})")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or not 0 <= start < end <= 24 * 60:
            raise BadWorkHours(f"工作时间段无效 {part!r} (invalid working-hours range {part!r})")
        if ranges and start < ranges[-1][1]:
            raise BadWorkHours(f"工作时间段须按顺序且不重叠 {text!r} "
                               f"(ranges must be ascending and not overlap)")
        ranges.append((start, end))
    if not ranges:
        raise BadWorkHours("未配置工作时间 (no working hours configured)")
    return tuple(ranges)


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed("时间必须带时区 (a timezone-aware datetime is required)",
                               code="naive_datetime")
    return (moment - EPOCH) // ONE_US


class WorkCalendar:
    """Working days and hours; ``overrides`` (loaded days) win over the chinese-calendar package.

    A year counts as known when the package has it or when at least one day of it was loaded;
    in a year known only by loaded days, an unlisted date is a workday iff Monday–Friday.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None, *,
                 names: Mapping[date, str] | None = None,
                 work_hours: str | Sequence[tuple[time, time]] | None = None,
                 tz: ZoneInfo | str | None = None, use_package: bool = True,
                 provisional: bool = False) -> None:
        settings = get_settings() if work_hours is None or tz is None else None
        if tz is None:
            assert settings is not None
            tz = settings.tz
        self.tz: ZoneInfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        if work_hours is None:
            assert settings is not None
            work_hours = settings.work_hours
        if isinstance(work_hours, str):
            self.hours = parse_work_hours(work_hours)
        else:
            self.hours = parse_work_hours(",".join(
                f"{s:%H:%M}-{'24:00' if e == time(0) else f'{e:%H:%M}'}" for s, e in work_hours))
        self.overrides: dict[date, bool] = dict(overrides or {})
        self.names: dict[date, str] = dict(names or {})
        self.loaded_years: frozenset[int] = frozenset(d.year for d in self.overrides)
        self.use_package = use_package
        # Provisional (暂定): an unknown year counts Monday–Friday as working days instead of
        # raising, so a case can still get a due time; the caller marks that time provisional.
        self.provisional = provisional
        # Working microseconds of one full working day (W).
        self.day_us: int = sum(e - s for s, e in self.hours) * 60 * US_PER_S
        self._day = lru_cache(maxsize=8192)(self._compute_day)
        self._workday = lru_cache(maxsize=8192)(self._compute_workday)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: Iterable[tuple[date, bool, str | None]],
                  **kwargs: object) -> WorkCalendar:
        """A calendar from (day, is_workday, name) rows, e.g. the calendar_day table."""
        overrides: dict[date, bool] = {}
        names: dict[date, str] = {}
        for day, is_workday, name in rows:
            overrides[day] = bool(is_workday)
            if name:
                names[day] = name
        return cls(overrides, names=names, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_session(cls, session: Session, **kwargs: object) -> WorkCalendar:
        """A calendar from the calendar_day rows visible to ``session``."""
        from sqlalchemy import select

        from smartgov.workclock.models import CalendarDay

        rows = session.execute(select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name))
        return cls.from_rows(((r[0], r[1], r[2]) for r in rows), **kwargs)

    # -- days ---------------------------------------------------------------------------------
    def provisional_copy(self) -> WorkCalendar:
        """The same calendar, but unknown years fall back to Monday–Friday (暂定时限); made once
        per calendar, so its day caches serve every provisional clock."""
        if self.provisional:
            return self
        clone = self.__dict__.get("_provisional_clone")
        if clone is None:
            clone = copy.copy(self)
            clone.provisional = True
            clone._day = lru_cache(maxsize=8192)(clone._compute_day)
            clone._workday = lru_cache(maxsize=8192)(clone._compute_workday)
            self._provisional_clone = clone
        return clone

    def knows_year(self, year: int) -> bool:
        if year in self.loaded_years:
            return True
        return self.use_package and _package_knows(year)

    def is_workday(self, day: date) -> bool:
        """工作日: True on working days (incl. 调休 make-up days). Raises CalendarUnknownYear."""
        return self._workday(day)

    def _compute_workday(self, day: date) -> bool:
        loaded = self.overrides.get(day)
        if loaded is not None:
            return loaded
        if self.use_package and _package_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        if day.year in self.loaded_years or self.provisional:
            return day.weekday() < 5
        raise CalendarUnknownYear(day.year)

    def day_name(self, day: date) -> str:
        """The holiday or make-up name of ``day`` ("" for an ordinary day)."""
        if day in self.names:
            return self.names[day]
        if day in self.overrides or not (self.use_package and _package_knows(day.year)):
            return ""
        _, name = chinese_calendar.get_holiday_detail(day)
        return name or ""

    def special_days(self, year: int) -> list[SpecialDay]:
        """Holidays falling on weekdays and make-up working days of ``year`` (节假日与调休)."""
        if not self.knows_year(year):
            raise CalendarUnknownYear(year)
        result: list[SpecialDay] = []
        day = date(year, 1, 1)
        while day.year == year:
            workday = self.is_workday(day)
            if workday != (day.weekday() < 5) or (day in self.overrides and day.year == year):
                source = "loaded" if day in self.overrides else "package"
                result.append(SpecialDay(day, workday, self.day_name(day), source))
            day += timedelta(days=1)
        return result

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day`` (empty on a day off)."""
        return [(self.from_us(s), self.from_us(e)) for s, e in self._day(day.toordinal())[0]]

    def close_of_business(self, day: date) -> datetime | None:
        """End of the last working period of ``day``; None on a day off."""
        intervals = self._day(day.toordinal())[0]
        return self.from_us(intervals[-1][1]) if intervals else None

    def _compute_day(self, ordinal: int) -> tuple[tuple[tuple[int, int], ...], int]:
        day = date.fromordinal(ordinal)
        if not self.is_workday(day):
            return (), 0
        intervals = tuple((self._local_us(day, s), self._local_us(day, e)) for s, e in self.hours)
        return intervals, sum(e - s for s, e in intervals)

    def _local_us(self, day: date, minutes: int) -> int:
        day = day + timedelta(days=minutes // 1440)
        minutes %= 1440
        return to_us(datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz))

    # -- moments ------------------------------------------------------------------------------
    def from_us(self, us: int) -> datetime:
        return (EPOCH + timedelta(microseconds=us)).astimezone(self.tz)

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's zone; a naive moment is taken to be in that zone."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def _ordinal(self, us: int) -> int:
        return self.from_us(us).toordinal()

    def is_working_time(self, moment: datetime) -> bool:
        us = to_us(self.local(moment))
        return any(s <= us < e for s, e in self._day(self._ordinal(us))[0])

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` itself during working time, else the start of the next working period."""
        us = to_us(self.local(moment))
        ordinal = self._ordinal(us)
        for _ in range(MAX_DAYS):
            for s, e in self._day(ordinal)[0]:
                if us < e:
                    return self.from_us(max(s, us))
            ordinal += 1
        raise ValidationFailed("日历中找不到工作时间 (no working time found)",
                               code="no_working_time")

    # -- arithmetic in microseconds -----------------------------------------------------------
    def add_working_us(self, start_us: int, amount_us: int) -> int:
        """The earliest moment by which ``amount_us`` of working time has passed after start."""
        if amount_us <= 0:
            return start_us
        ordinal = self._ordinal(start_us)
        day = self._day
        for _ in range(MAX_DAYS):
            intervals, total = day(ordinal)
            if intervals:
                if start_us <= intervals[0][0] and amount_us > total:
                    amount_us -= total
                else:
                    for s, e in intervals:
                        if e <= start_us:
                            continue
                        s = max(s, start_us)
                        if amount_us <= e - s:
                            return s + amount_us
                        amount_us -= e - s
            ordinal += 1
        raise ValidationFailed("时限过长 (limit too long for the calendar)", code="bad_time_limit")

    def working_us_between(self, start_us: int, end_us: int) -> int:
        """Working microseconds in [start, end] (0 when end ≤ start)."""
        if end_us <= start_us:
            return 0
        ordinal, last = self._ordinal(start_us), self._ordinal(end_us)
        total_us = 0
        day = self._day
        while ordinal <= last:
            intervals, total = day(ordinal)
            if intervals and start_us <= intervals[0][0] and intervals[-1][1] <= end_us:
                total_us += total
            else:
                for s, e in intervals:
                    lo, hi = max(s, start_us), min(e, end_us)
                    if hi > lo:
                        total_us += hi - lo
            ordinal += 1
        return total_us

    def working_days_close_us(self, start_us: int, days: int) -> int:
        """Close of business of the ``days``-th working day after the start day (not counted)."""
        ordinal = self._ordinal(start_us)
        count = 0
        for _ in range(MAX_DAYS):
            ordinal += 1
            intervals = self._day(ordinal)[0]
            if intervals:
                count += 1
                if count >= days:
                    return intervals[-1][1]
        raise ValidationFailed("时限过长 (limit too long for the calendar)", code="bad_time_limit")

    def add_limit_us(self, start_us: int, limit: TimeLimit) -> int:
        if limit.unit == "wd":
            return self.working_days_close_us(start_us, int(limit.amount))
        if limit.unit == "wh":
            return self.add_working_us(start_us, round(limit.amount * US_PER_H))
        duration = limit.fixed_duration()
        assert duration is not None
        return start_us + duration // ONE_US

    # -- public datetime API ------------------------------------------------------------------
    def add_working_time(self, start: datetime, limit: TimeLimit | str) -> datetime:
        """The due time of a fresh ``limit`` started at ``start`` (到期时间)."""
        return self.from_us(self.add_limit_us(to_us(self.local(start)), TimeLimit.parse(limit)))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two moments (工作时长)."""
        us = self.working_us_between(to_us(self.local(start)), to_us(self.local(end)))
        return timedelta(microseconds=us)


@lru_cache(maxsize=256)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True
