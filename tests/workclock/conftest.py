"""Fixtures for the working calendar: fresh calendar cache per test, a calendar, a moment helper."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from smartgov.workclock.service import WorkCalendar, invalidate_calendar

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """"2026-09-30 16:00" → that moment in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture()
def cal() -> WorkCalendar:
    """The package calendar with the default working hours, independent of the environment."""
    return WorkCalendar(work_hours="08:30-12:00,13:30-17:30", tz=TZ)
