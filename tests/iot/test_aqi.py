"""AQI per HJ 633-2012 on hand-computed vectors: each segment's ends, rounding up, the primary
pollutant, the special rules for SO2 (1 h > 800) and O3 (8 h > 800), and all six levels."""

from __future__ import annotations

import pytest

from smartgov.iot.aqi import aqi, iaqi, level_of


@pytest.mark.parametrize(
    ("pollutant", "c", "expected"),
    [
        ("pm25", 0, 0),
        ("pm25", 35, 50),
        ("pm25", 36, 52),  # 50 + 50/40·1 = 51.25 → 52
        ("pm25", 75, 100),
        ("pm25", 80, 107),  # 100 + 50/40·5 = 106.25 → 107
        ("pm25", 120, 158),  # 150 + 50/35·5 = 157.14 → 158
        ("pm25", 500, 500),
        ("pm25", 600, 500),
        ("pm10", 50, 50),
        ("pm10", 150, 100),
        ("pm10", 151, 101),  # 100 + 50/100·1 = 100.5 → 101
        ("so2", 50, 50),
        ("no2", 80, 100),
        ("co", 4, 100),
        ("co", 14, 150),
        ("o3", 160, 100),  # 8-hour table
    ],
)
def test_daily_sub_indices(pollutant: str, c: float, expected: int) -> None:
    assert iaqi(pollutant, c) == expected


@pytest.mark.parametrize(
    ("pollutant", "c", "expected"),
    [
        ("so2", 150, 50),
        ("so2", 800, 200),
        ("so2", 1600, 300),  # above 800: the 24-hour table
        ("no2", 200, 100),
        ("co", 10, 100),
        ("o3", 160, 50),
        ("o3", 1200, 500),
        ("pm25", 75, 100),
    ],
)
def test_hourly_sub_indices(pollutant: str, c: float, expected: int) -> None:
    assert iaqi(pollutant, c, hourly=True) == expected


def test_ozone_8_hour_above_800_leaves_it_to_the_1_hour_index() -> None:
    assert iaqi("o3", 801) is None


def test_aqi_and_primary_pollutant() -> None:
    clean = aqi({"pm25": 20, "pm10": 40, "so2": 5, "no2": 20, "co": 0.5, "o3": 60})
    # PM2.5 50/35·20 = 28.6 → 29, PM10 40, SO2 5, NO2 25, CO 12.5 → 13, O3 (8 h) 30
    assert clean is not None and clean.aqi == 40 and clean.sub_indices["pm25"] == 29
    assert clean.primary == () and clean.primary_names == "无"
    dirty = aqi({"pm25": 120, "pm10": 150, "so2": 10, "no2": 40, "co": 1, "o3": 100})
    assert dirty is not None and (dirty.aqi, dirty.primary, dirty.level.name) == (158, ("pm25",), "中度污染")
    tie = aqi({"pm25": 75, "pm10": 150})
    assert tie is not None and tie.aqi == 100 and tie.primary == ("pm10", "pm25") and tie.level.name == "良"
    assert aqi({}) is None


@pytest.mark.parametrize(
    ("value", "grade", "name", "colour"),
    [
        (0, "一级", "优", "绿色"),
        (50, "一级", "优", "绿色"),
        (51, "二级", "良", "黄色"),
        (100, "二级", "良", "黄色"),
        (101, "三级", "轻度污染", "橙色"),
        (150, "三级", "轻度污染", "橙色"),
        (151, "四级", "中度污染", "红色"),
        (200, "四级", "中度污染", "红色"),
        (201, "五级", "重度污染", "紫色"),
        (300, "五级", "重度污染", "紫色"),
        (301, "六级", "严重污染", "褐红色"),
        (500, "六级", "严重污染", "褐红色"),
    ],
)
def test_six_levels_with_their_names_and_colours(value: int, grade: str, name: str, colour: str) -> None:
    level = level_of(value)
    assert (level.grade, level.name, level.colour_name) == (grade, name, colour)
