"""内置设备模型: the built-in profiles and their alarm rules, as data (FIWARE field names)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.iot.models import DeviceProfile, Rule


def _key(label: str, unit: str, low: float, high: float) -> dict[str, Any]:
    return {"label": label, "unit": unit, "min": low, "max": high}


def _rule(
    code: str,
    name: str,
    kind: str,
    alarm_type: str,
    *,
    key: str | None = None,
    op: str | None = None,
    value: float | None = None,
    duration_s: int = 0,
    count: int = 1,
    severity: str = "MAJOR",
    schedule: str | None = None,
    auto_clear: bool = True,
    case_category: str | None = None,
    case_attributes: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "alarm_type": alarm_type,
        "alarm_label": name,
        "key": key,
        "op": op,
        "value": value,
        "duration_s": duration_s,
        "count": count,
        "severity": severity,
        "schedule": schedule,
        "auto_clear": auto_clear,
        "case_category": case_category,
        "case_attributes": case_attributes or {},
    }


NIGHT = "19:00-06:00"

PROFILES: list[dict[str, Any]] = [
    {
        "code": "manhole_cover",
        "name": "井盖电子标签",
        "attributes": {"cover_type": "井盖类型"},
        "telemetry": {
            "tilt": _key("倾角", "°", 0, 180),
            "open": _key("开启", "", 0, 1),
            "waterLevel": _key("井下水位", "cm", 0, 1000),
            "batteryLevel": _key("电量", "%", 0, 100),
        },
        "rules": [
            # passing vehicles rock a cover for well under 2 s (短时倾斜过滤)
            _rule(
                "tilt",
                "井盖倾斜",
                "duration",
                "cover_tilt",
                key="tilt",
                op=">",
                value=10,
                duration_s=2,
                auto_clear=False,
                case_category="0101",
                case_attributes={"cover_type": ["unknown"], "damage": ["moved"]},
            ),
            _rule(  # the tag lies on its side or is gone with the cover (井盖翻起或缺失)
                "missing",
                "井盖翻起或缺失",
                "threshold",
                "cover_missing",
                key="tilt",
                op=">=",
                value=60,
                severity="CRITICAL",
                auto_clear=False,
                case_category="0101",
                case_attributes={"cover_type": ["unknown"], "damage": ["missing"]},
            ),
            _rule(
                "open",
                "井盖开启",
                "threshold",
                "cover_open",
                key="open",
                op="==",
                value=1,
                severity="CRITICAL",
                auto_clear=False,
                case_category="0101",
                case_attributes={"cover_type": ["unknown"], "damage": ["missing"]},
            ),
            _rule(
                "water",
                "井下积水",
                "duration",
                "cover_water",
                key="waterLevel",
                op=">",
                value=50,
                duration_s=600,
                case_category="1501",
                case_attributes={"depth": ["calf"], "passable": ["hard"]},
            ),
            _rule(
                "battery",
                "电量低",
                "threshold",
                "low_battery",
                key="batteryLevel",
                op="<",
                value=20,
                severity="WARNING",
            ),
            _rule("offline", "设备离线", "offline", "offline", duration_s=3600, severity="MINOR"),
        ],
    },
    {
        "code": "street_lamp",
        "name": "智慧路灯",
        "attributes": {"street": "所在道路", "pole_no": "灯杆编号"},
        "telemetry": {
            "powerState": _key("开关", "", 0, 1),
            "power": _key("功率", "W", 0, 2000),
            "energy": _key("累计电量", "kWh", 0, 10_000_000),
            "lux": _key("照度", "lx", 0, 200_000),
            "dimming": _key("调光", "%", 0, 100),
        },
        "rules": [
            _rule(
                "lamp_out",
                "路灯不亮",
                "repeat",
                "lamp_out",
                key="power",
                op="<",
                value=5,
                count=3,
                schedule=NIGHT,
                case_category="0102",
                case_attributes={"fault": ["dark"]},
            ),
            _rule(
                "over_power",
                "功率异常",
                "duration",
                "abnormal_power",
                key="power",
                op=">",
                value=400,
                duration_s=300,
                severity="MINOR",
            ),
            _rule("offline", "设备离线", "offline", "offline", duration_s=1800, severity="MINOR"),
        ],
    },
    {
        "code": "flood_gauge",
        "name": "积水水位监测",
        "attributes": {"alertLevel": "警戒水位", "dangerLevel": "危险水位"},
        "telemetry": {
            "currentLevel": _key("当前水位", "m", -5, 50),
            "alertLevel": _key("警戒水位", "m", -5, 50),
            "dangerLevel": _key("危险水位", "m", -5, 50),
        },
        "rules": [
            _rule(
                "alert",
                "水位超警戒",
                "duration",
                "flood_alert",
                key="currentLevel",
                op=">",
                value=0.3,
                duration_s=600,
                case_category="1501",
                case_attributes={"depth": ["knee"], "passable": ["no"]},
            ),
            _rule(
                "rising",
                "水位快速上涨",
                "rate",
                "flood_rising",
                key="currentLevel",
                op=">",
                value=0.1,
                duration_s=600,
                severity="WARNING",
            ),
            _rule("offline", "设备离线", "offline", "offline", duration_s=1800, severity="MINOR"),
        ],
    },
    {
        "code": "air_quality",
        "name": "空气质量监测",
        "attributes": {},
        "telemetry": {
            "pm25": _key("PM2.5", "μg/m³", 0, 2000),
            "pm10": _key("PM10", "μg/m³", 0, 3000),
            "no2": _key("二氧化氮", "μg/m³", 0, 4000),
            "so2": _key("二氧化硫", "μg/m³", 0, 3000),
            "o3": _key("臭氧", "μg/m³", 0, 2000),
            "co": _key("一氧化碳", "mg/m³", 0, 200),
        },
        "rules": [
            _rule(
                "pm25",
                "PM2.5 重度污染",
                "duration",
                "pm25_high",
                key="pm25",
                op=">",
                value=150,
                duration_s=3600,
                severity="MINOR",
            ),
            _rule("offline", "设备离线", "offline", "offline", duration_s=7200, severity="MINOR"),
        ],
    },
    {
        "code": "waste_container",
        "name": "垃圾箱满溢监测",
        "attributes": {},
        "telemetry": {"fillingLevel": _key("满溢度", "", 0, 1)},
        "rules": [
            _rule(
                "full",
                "垃圾箱满溢",
                "repeat",
                "bin_full",
                key="fillingLevel",
                op=">=",
                value=0.9,
                count=2,
                severity="MINOR",
                case_category="0302",
                case_attributes={"issue": ["full"]},
            ),
        ],
    },
    {
        "code": "energy_meter",
        "name": "建筑能耗电表",
        "attributes": {"building": "所属建筑"},
        "telemetry": {
            "totalActiveEnergyImport": _key("累计有功电量", "kWh", 0, 1_000_000_000),
            "totalActivePower": _key("有功功率", "W", 0, 100_000_000),
        },
        "rules": [_rule("offline", "设备离线", "offline", "offline", duration_s=3600, severity="MINOR")],
    },
    {
        "code": "indoor_env",
        "name": "室内环境监测",
        "attributes": {"building": "所属建筑"},
        "telemetry": {
            "temperature": _key("温度", "℃", -40, 80),
            "relativeHumidity": _key("相对湿度", "%", 0, 100),
            "co2": _key("二氧化碳", "ppm", 0, 10_000),
            "peopleCount": _key("人数", "人", 0, 100_000),
        },
        "rules": [
            _rule(
                "co2",
                "二氧化碳超标",
                "duration",
                "co2_high",
                key="co2",
                op=">",
                value=1500,
                duration_s=900,
                severity="WARNING",
            ),
        ],
    },
]

RULE_FIELDS = (
    "name",
    "kind",
    "key",
    "op",
    "value",
    "duration_s",
    "count",
    "schedule",
    "alarm_type",
    "alarm_label",
    "severity",
    "auto_clear",
    "case_category",
    "case_attributes",
    "enabled",
)


def ensure_builtin(session: Session) -> dict[str, DeviceProfile]:
    """Create the built-in profiles and rules that are missing (a city's edits are kept)."""
    found = {p.code: p for p in session.scalars(select(DeviceProfile))}
    for spec in PROFILES:
        profile = found.get(spec["code"])
        if profile is None:
            profile = DeviceProfile(
                code=spec["code"],
                name=spec["name"],
                telemetry=spec["telemetry"],
                attributes=spec["attributes"],
            )
            session.add(profile)
            session.flush()
            found[profile.code] = profile
            for rule in spec["rules"]:
                session.add(Rule(profile_id=profile.id, enabled=True, **rule))
    session.flush()
    return found
