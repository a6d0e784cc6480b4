"""建筑节能报告: each public building's baseline model, monthly savings and EUI, and the district's
savings against the 15 % goal, from the stored monthly energy (iot_energy_month)."""

from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.iot import energy
from smartgov.iot.models import Building, Device, EnergyMonth
from smartgov.workclock.calendars import get_calendar


@dataclass(frozen=True)
class BuildingReport:
    building: Building
    baseline: energy.Baseline | None
    baseline_periods: list[energy.Period]
    report: energy.SavingsReport
    eui_baseline: float | None
    error: str | None = None


def periods_of(session: Session, building_id: int) -> list[energy.Period]:
    rows = session.scalars(
        select(EnergyMonth).where(EnergyMonth.building_id == building_id).order_by(EnergyMonth.month)
    )
    return [energy.Period(r.month, r.kwh, r.hdd, r.cdd, r.workdays) for r in rows]


def building_report(session: Session, building: Building) -> BuildingReport:
    """Fit on the baseline year, then the months after it are the reporting period."""
    periods = periods_of(session, building.id)
    base = [p for p in periods if p.month.startswith(f"{building.baseline_year}-")]
    later = [p for p in periods if p.month > f"{building.baseline_year}-12"]
    eui = energy.eui(sum(p.kwh for p in base), building.floor_area_m2) if len(base) == 12 else None
    try:
        model = energy.fit_baseline(base)
    except ValueError as exc:
        return BuildingReport(building, None, base, energy.SavingsReport([]), eui, str(exc))
    return BuildingReport(building, model, base, energy.savings(model, later), eui)


def district_reports(session: Session) -> tuple[list[BuildingReport], energy.SavingsReport]:
    reports = [building_report(session, b) for b in session.scalars(select(Building).order_by(Building.code))]
    return reports, energy.district(r.report for r in reports if r.baseline is not None)


# --- demo: three public buildings, 2025 as the baseline year, savings after retro-commissioning ----

# Hangzhou's monthly mean temperatures (°C), for the demo's synthetic daily weather.
MONTHLY_MEAN_C = (4.5, 6.5, 10.5, 16.5, 21.5, 25.0, 29.5, 29.0, 24.5, 18.5, 12.5, 6.5)
DEMO_BUILDINGS = (  # code, name, floor area, kWh = a + b·HDD + c·CDD + d·working day, savings achieved
    ("B001", "区行政服务中心", 18_000.0, (60_000, 260.0, 900.0, 4_200.0), 0.18),
    ("B002", "区图书馆", 9_500.0, (35_000, 150.0, 520.0, 1_600.0), 0.16),
    ("B003", "区档案馆", 6_000.0, (30_000, 90.0, 300.0, 700.0), 0.11),
)


def month_drivers(year: int, month: int, is_workday) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """A month's (HDD, CDD, working days): synthetic daily weather around the monthly mean."""
    days = calendar.monthrange(year, month)[1]
    temps = [MONTHLY_MEAN_C[month - 1] + 4 * math.sin(d * 1.3 + year) for d in range(days)]
    hdd, cdd = energy.degree_days(temps)
    workdays = energy.working_days(date(year, month, 1), date(year, month, days), is_workday)
    return round(hdd, 1), round(cdd, 1), workdays


def load_demo_buildings(session: Session, until: date) -> int:
    """Three buildings with 2025 as the baseline year and the months of 2026 before ``until``."""
    if session.scalar(select(Building.id).limit(1)) is not None:
        return 0
    meters = list(session.scalars(select(Device.id).where(Device.code.like("DB-%")).order_by(Device.code)))
    rng = random.Random(2025)
    months = [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 13) if date(2026, m, 1) < until]
    is_workday = get_calendar(session).is_workday
    drivers = {ym: month_drivers(*ym, is_workday) for ym in months}
    for i, (code, name, area, (a, b, c, d), achieved) in enumerate(DEMO_BUILDINGS):
        building = Building(
            code=code,
            name=name,
            floor_area_m2=area,
            baseline_year=2025,
            meter_device_id=meters[i] if i < len(meters) else None,
        )
        session.add(building)
        session.flush()
        for year, month in months:
            hdd, cdd, workdays = drivers[(year, month)]
            kwh = (a + b * hdd + c * cdd + d * workdays) * (1 + rng.uniform(-0.03, 0.03))
            if year > 2025:
                kwh *= 1 - achieved
            session.add(
                EnergyMonth(
                    building_id=building.id,
                    month=f"{year}-{month:02d}",
                    kwh=round(kwh, 1),
                    hdd=hdd,
                    cdd=cdd,
                    workdays=workdays,
                )
            )
    session.flush()
    return len(DEMO_BUILDINGS)
