"""路灯: on by schedule and by daylight — on below 150 lux, off above 500 (in between it stays) —
and the energy each lamp and each street used."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.iot.models import Device, DeviceProfile, Telemetry
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


def lamp_energy(
    session: Session, start: datetime, end: datetime
) -> tuple[dict[str, float], dict[str, float]]:
    """路灯能耗 in [start, end] from each lamp's cumulative meter (energy, kWh): per lamp (by code)
    and per street (the lamp's ``street`` attribute)."""
    used = session.execute(
        select(Device.id, func.max(Telemetry.value) - func.min(Telemetry.value))
        .join(Telemetry, Telemetry.device_id == Device.id)
        .join(DeviceProfile, DeviceProfile.id == Device.profile_id)
        .where(
            DeviceProfile.code == "street_lamp",
            Telemetry.key == "energy",
            Telemetry.ts >= start,
            Telemetry.ts <= end,
        )
        .group_by(Device.id)
    ).all()
    devices = {d.id: d for d in session.scalars(select(Device).where(Device.id.in_([i for i, _ in used])))}
    per_lamp = {devices[i].code: round(kwh, 3) for i, kwh in used}
    per_street: dict[str, float] = {}
    for i, kwh in used:
        street = (devices[i].attributes or {}).get("street") or "未填写道路"
        per_street[street] = round(per_street.get(street, 0.0) + kwh, 3)
    return per_lamp, per_street
