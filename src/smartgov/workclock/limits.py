"""Time limits (时限) such as "4wh", "3wd", "24h", "2d": a value object with parse() and str()."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Literal

from smartgov.errors import ValidationFailed

Unit = Literal["wh", "wd", "h", "d"]

UNIT_LABELS: dict[str, str] = {"wh": "个工作时", "wd": "个工作日", "h": "小时", "d": "自然日"}

# Accepted spellings of each unit; the canonical one comes first.
_UNIT_ALIASES: dict[str, Unit] = {
    "wh": "wh", "工作时": "wh", "工作小时": "wh", "个工作时": "wh", "个工作小时": "wh",
    "wd": "wd", "工作日": "wd", "个工作日": "wd",
    "h": "h", "小时": "h", "个小时": "h",
    "d": "d", "天": "d", "日": "d", "自然日": "d", "个自然日": "d",
}
_MAXIMUM: dict[str, float] = {"wh": 10_000, "wd": 1_000, "h": 87_600, "d": 3_650}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z\u4e00-\u9fff]+)\s*$", re.IGNORECASE)


class InvalidTimeLimit(ValidationFailed):
    """The text is not a time limit such as "4wh", "3wd", "24h" or "2d"."""

    code = "bad_time_limit"


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A limit in working hours (wh), working days (wd), calendar hours (h) or days (d)."""

    amount: float
    unit: Unit

    @classmethod
    def parse(cls, text: str | TimeLimit) -> TimeLimit:
        """"4wh" → TimeLimit(4, "wh"); also "3个工作日", "24 小时". Raises InvalidTimeLimit."""
        if isinstance(text, TimeLimit):
            return text
        return _parse_text(cls, text)

    @classmethod
    def _parse_uncached(cls, text: str) -> TimeLimit:
        match = _PATTERN.match(text or "")
        unit = _UNIT_ALIASES.get(match.group(2).lower()) if match else None
        if match is None or unit is None:
            raise InvalidTimeLimit(
                f"无法识别的时限 {text!r}：应为数字加单位 wh(工作时)/wd(工作日)/h(小时)/d(自然日)，"
                f"例如 4wh、3wd、24h、2d "
                f"(bad time limit {text!r}: expected e.g. 4wh, 3wd, 24h, 2d)")
        raw = float(match.group(1))
        amount: float = int(raw) if raw.is_integer() else raw
        return cls.of(amount, unit)

    @classmethod
    def of(cls, amount: float, unit: str) -> TimeLimit:
        """Build and validate a limit from its parts."""
        if unit not in _MAXIMUM:
            raise InvalidTimeLimit(f"未知的时限单位 {unit!r} (unknown unit; use wh, wd, h or d)")
        if amount <= 0:
            raise InvalidTimeLimit(f"时限必须大于 0 (a limit must be positive): {amount}{unit}")
        if unit == "wd" and not float(amount).is_integer():
            raise InvalidTimeLimit(
                f"工作日时限须为整数，不足一天请用工作时，如 4wh "
                f"(working days must be whole; use wh for part of a day): {amount}{unit}")
        if amount > _MAXIMUM[unit]:
            raise InvalidTimeLimit(
                f"时限过长 (limit too long): {amount}{unit} > {_MAXIMUM[unit]:g}{unit}")
        if float(amount).is_integer():
            amount = int(amount)
        return cls(amount, unit)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{_format_amount(self.amount)}{self.unit}"

    @property
    def is_working(self) -> bool:
        """True for working-time limits (wh, wd), counted on the working calendar."""
        return self.unit in ("wh", "wd")

    @property
    def label(self) -> str:
        """Chinese label for pages, e.g. "3个工作日"."""
        return f"{_format_amount(self.amount)}{UNIT_LABELS[self.unit]}"

    def fixed_duration(self) -> timedelta | None:
        """The length of wh, h and d limits; None for wd (its length depends on the start)."""
        hours = {"wh": 1.0, "h": 1.0, "d": 24.0}.get(self.unit)
        return None if hours is None else timedelta(hours=self.amount * hours)


def limit_label(value: str | TimeLimit | None) -> str:
    """A time limit (时限) as people read it: "1wd" → "1个工作日", "4wh" → "4个工作时"; text that
    is no limit is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        return TimeLimit.parse(value).label
    except InvalidTimeLimit:
        return str(value)


@lru_cache(maxsize=1024)
def _parse_text(cls: type[TimeLimit], text: str) -> TimeLimit:
    return cls._parse_uncached(text)


def _format_amount(amount: float) -> str:
    if float(amount).is_integer():
        return str(int(amount))
    return f"{amount:.6f}".rstrip("0").rstrip(".")
