"""建筑节能 (seed 000: ≥ 15 % savings): EUI, an IPMVP option C baseline model of monthly energy
against heating/cooling degree-days and working days, judged by ASHRAE Guideline 14, and the
savings of the reporting period against the adjusted baseline."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

HEATING_BASE_C = 18.0  # 采暖度日 base (HDD18)
COOLING_BASE_C = 26.0  # 空调度日 base (CDD26)
SAVINGS_GOAL = 0.15  # 节能率目标
# ASHRAE Guideline 14 calibration limits: (CV(RMSE), |NMBE|) by data interval.
GUIDELINE_14 = {"monthly": (0.15, 0.05), "hourly": (0.30, 0.10)}


def eui(kwh_per_year: float, floor_area_m2: float) -> float:
    """单位面积能耗 EUI in kWh/m²/year."""
    if floor_area_m2 <= 0:
        raise ValueError("建筑面积须大于 0")
    return kwh_per_year / floor_area_m2


def degree_days(daily_mean_c: Iterable[float]) -> tuple[float, float]:
    """(HDD18, CDD26) of a period from its daily mean outdoor temperatures."""
    hdd = cdd = 0.0
    for t in daily_mean_c:
        hdd += max(0.0, HEATING_BASE_C - t)
        cdd += max(0.0, t - COOLING_BASE_C)
    return hdd, cdd


def working_days(first: date, last: date, is_workday) -> int:  # type: ignore[no-untyped-def]
    """Working days in [first, last] on the Chinese calendar (法定节假日与调休 included)."""
    return sum(1 for n in range((last - first).days + 1) if is_workday(first + timedelta(days=n)))


@dataclass(frozen=True)
class Period:
    """One month of one building: its energy and what drives it."""

    month: str  # "2025-01"
    kwh: float
    hdd: float
    cdd: float
    workdays: int


@dataclass(frozen=True)
class Baseline:
    """基准能耗模型 kWh = b0 + b1·HDD + b2·CDD + b3·working days, fitted on the baseline year."""

    coefficients: tuple[float, float, float, float]
    n: int
    cv_rmse: float
    nmbe: float
    r2: float
    interval: str = "monthly"

    @property
    def parameters(self) -> int:
        return len(self.coefficients)

    def predict(self, p: Period) -> float:
        b0, b1, b2, b3 = self.coefficients
        return b0 + b1 * p.hdd + b2 * p.cdd + b3 * p.workdays

    @property
    def acceptable(self) -> bool:
        """Within ASHRAE Guideline 14 for its interval (CV(RMSE) and NMBE both)."""
        cv_limit, nmbe_limit = GUIDELINE_14[self.interval]
        return self.cv_rmse <= cv_limit and abs(self.nmbe) <= nmbe_limit


def _design(periods: Sequence[Period]) -> np.ndarray:
    return np.array([[1.0, p.hdd, p.cdd, float(p.workdays)] for p in periods])


def goodness(
    actual: Sequence[float], predicted: Sequence[float], parameters: int
) -> tuple[float, float, float]:
    """(CV(RMSE), NMBE, R²) as ASHRAE Guideline 14 defines them (n − p degrees of freedom)."""
    y = np.asarray(actual, dtype=float)
    f = np.asarray(predicted, dtype=float)
    n = len(y)
    mean = float(y.mean())
    dof = n - parameters
    if dof <= 0 or mean == 0:
        raise ValueError("数据不足以评价模型")
    residual = y - f
    cv = math.sqrt(float((residual**2).sum()) / dof) / mean
    nmbe = float(residual.sum()) / (dof * mean)
    total = float(((y - mean) ** 2).sum())
    r2 = 1 - float((residual**2).sum()) / total if total else 1.0
    return cv, nmbe, r2


def fit_baseline(periods: Sequence[Period]) -> Baseline:
    """Least squares on the baseline months; a driver that never varies (no cooling months at all)
    is left out of the fit rather than making the system singular."""
    if len(periods) < 6:
        raise ValueError("基准期至少需要 6 个月的数据")
    x, y = _design(periods), np.array([p.kwh for p in periods])
    used = [0] + [j for j in (1, 2, 3) if np.ptp(x[:, j]) > 0]
    solution, *_ = np.linalg.lstsq(x[:, used], y, rcond=None)
    coefficients = [0.0, 0.0, 0.0, 0.0]
    for j, value in zip(used, solution, strict=True):
        coefficients[j] = float(value)
    model = Baseline(tuple(coefficients), len(periods), 0.0, 0.0, 0.0)  # type: ignore[arg-type]
    cv, nmbe, r2 = goodness(y, [model.predict(p) for p in periods], len(used))
    return Baseline(model.coefficients, len(periods), cv, nmbe, r2)


@dataclass(frozen=True)
class MonthSavings:
    month: str
    adjusted_baseline: float
    actual: float

    @property
    def savings(self) -> float:
        """节能量 = adjusted baseline − reporting period (IPMVP option C)."""
        return self.adjusted_baseline - self.actual

    @property
    def rate(self) -> float:
        return self.savings / self.adjusted_baseline if self.adjusted_baseline else 0.0


@dataclass(frozen=True)
class SavingsReport:
    months: list[MonthSavings]

    @property
    def adjusted_baseline(self) -> float:
        return sum(m.adjusted_baseline for m in self.months)

    @property
    def actual(self) -> float:
        return sum(m.actual for m in self.months)

    @property
    def savings(self) -> float:
        return self.adjusted_baseline - self.actual

    @property
    def rate(self) -> float:
        return self.savings / self.adjusted_baseline if self.adjusted_baseline else 0.0

    @property
    def meets_goal(self) -> bool:
        return self.rate >= SAVINGS_GOAL


def savings(model: Baseline, reporting: Sequence[Period]) -> SavingsReport:
    """Each reporting month's adjusted baseline (the model on that month's weather and calendar)
    against what was used."""
    return SavingsReport([MonthSavings(p.month, model.predict(p), p.kwh) for p in reporting])


def district(reports: Iterable[SavingsReport]) -> SavingsReport:
    """The district: every building's months added up (片区节能率)."""
    by_month: dict[str, list[float]] = {}
    for report in reports:
        for m in report.months:
            pair = by_month.setdefault(m.month, [0.0, 0.0])
            pair[0] += m.adjusted_baseline
            pair[1] += m.actual
    return SavingsReport([MonthSavings(k, v[0], v[1]) for k, v in sorted(by_month.items())])
