"""路灯控制: on by schedule and by daylight — on below 150 lux, off above 500 (in between it stays)."""

from __future__ import annotations

import math
from datetime import datetime

from smartgov.iot.rules import in_schedule

ON_BELOW_LUX = 150.0
OFF_ABOVE_LUX = 500.0
LIGHTING_HOURS = "18:00-06:30"  # 亮灯时段 when no light sensor answers


def should_be_on(lux: float | None, was_on: bool, at: datetime, schedule: str = LIGHTING_HOURS) -> bool:
    """Whether a lamp should light: by its light sensor with hysteresis, else by the schedule."""
    if lux is None:
        return in_schedule(schedule, at)
    if lux < ON_BELOW_LUX:
        return True
    if lux > OFF_ABOVE_LUX:
        return False
    return was_on


def daylight_lux(hour: float) -> float:
    """A clear day's outdoor illuminance by local hour (sunrise 6:00, sunset 18:00), for simulation."""
    if hour <= 6 or hour >= 18:
        return 2.0
    return 2.0 + 60_000 * math.sin(math.pi * (hour - 6) / 12) ** 1.5
