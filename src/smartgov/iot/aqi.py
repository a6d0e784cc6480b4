"""空气质量指数 per HJ 633-2012: sub-indices (IAQI) from the six pollutants, AQI, primary pollutant
and the six levels with their Chinese names and colours."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)
# HJ 633-2012 表 1: concentration limits at each IAQI step (μg/m³; CO in mg/m³).
BREAKPOINTS_24H: dict[str, tuple[float, ...]] = {
    "so2": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "no2": (0, 40, 80, 180, 280, 565, 750, 940),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "co": (0, 2, 4, 14, 24, 36, 48, 60),
    "o3": (0, 100, 160, 215, 265, 800),  # 8-hour moving mean
    "pm25": (0, 35, 75, 115, 150, 250, 350, 500),
}
BREAKPOINTS_1H: dict[str, tuple[float, ...]] = {
    "so2": (0, 150, 500, 650, 800),  # above 800 the 24-hour sub-index is used
    "no2": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "pm10": BREAKPOINTS_24H["pm10"],  # particulates: 24-hour limits in the hourly report too
    "pm25": BREAKPOINTS_24H["pm25"],
}
NAMES = {
    "so2": "二氧化硫",
    "no2": "二氧化氮",
    "pm10": "颗粒物(PM10)",
    "co": "一氧化碳",
    "o3": "臭氧",
    "pm25": "细颗粒物(PM2.5)",
}


@dataclass(frozen=True)
class Level:
    """空气质量指数级别."""

    grade: str
    name: str
    colour_name: str
    colour: str
    top: int


LEVELS = (
    Level("一级", "优", "绿色", "#00e400", 50),
    Level("二级", "良", "黄色", "#ffff00", 100),
    Level("三级", "轻度污染", "橙色", "#ff7e00", 150),
    Level("四级", "中度污染", "红色", "#ff0000", 200),
    Level("五级", "重度污染", "紫色", "#99004c", 300),
    Level("六级", "严重污染", "褐红色", "#7e0023", 10**9),
)


def iaqi(pollutant: str, concentration: float, *, hourly: bool = False) -> int | None:
    """One pollutant's sub-index, rounded up (进位取整); None where the standard says to use the other
    averaging period's sub-index instead (臭氧 8 小时浓度高于 800)."""
    table = (BREAKPOINTS_1H if hourly else BREAKPOINTS_24H)[pollutant]
    if concentration < 0:
        raise ValueError("浓度不能为负")
    if concentration > table[-1]:
        if hourly and pollutant == "so2":
            return iaqi(pollutant, concentration, hourly=False)  # 二氧化硫 1 小时浓度高于 800
        if not hourly and pollutant == "o3":
            return None  # 臭氧 8 小时浓度高于 800: the 1-hour sub-index is used
        return 500  # above the last limit the sub-index is reported as 500 (the table's top)
    for i in range(1, len(table)):
        if concentration <= table[i]:
            low, high = table[i - 1], table[i]
            value = (IAQI_STEPS[i] - IAQI_STEPS[i - 1]) / (high - low) * (concentration - low) + IAQI_STEPS[
                i - 1
            ]
            return math.ceil(round(value, 9))
    return 500


@dataclass(frozen=True)
class AqiResult:
    aqi: int
    level: Level
    primary: tuple[str, ...]  # 首要污染物 (none while AQI ≤ 50)
    sub_indices: dict[str, int]

    @property
    def primary_names(self) -> str:
        return "、".join(NAMES[p] for p in self.primary) or "无"


def level_of(value: int) -> Level:
    return next(level for level in LEVELS if value <= level.top)


def aqi(concentrations: Mapping[str, float], *, hourly: bool = False) -> AqiResult | None:
    """AQI = the largest sub-index; the primary pollutants are those that reach it when AQI > 50."""
    subs = {}
    for pollutant, value in concentrations.items():
        if pollutant in BREAKPOINTS_24H and value is not None:
            sub = iaqi(pollutant, float(value), hourly=hourly)
            if sub is not None:
                subs[pollutant] = sub
    if not subs:
        return None
    top = max(subs.values())
    primary = tuple(p for p in BREAKPOINTS_24H if subs.get(p) == top) if top > 50 else ()
    return AqiResult(top, level_of(top), primary, subs)
