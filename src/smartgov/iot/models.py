"""Tables of 物联感知: profiles, devices, telemetry, rules, rule state and alarms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base, now

ALARM_SUBJECT = "iot_alarm"  # the subject type of an alarm on the platform's timeline


class DeviceProfile(Base):
    """设备模型: a kind of device with its telemetry keys (unit, valid range) and attributes."""

    __tablename__ = "iot_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # key → {"label": "倾角", "unit": "°", "min": 0, "max": 90}
    telemetry: Mapped[dict] = mapped_column(JSON, default=dict)
    # attribute key → label (静态属性, e.g. cover_type → 井盖类型)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)


class Device(Base):
    """感知设备: one sensor with its position on the grid, owner department and access token."""

    __tablename__ = "iot_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    profile_id: Mapped[int] = mapped_column(ForeignKey("iot_profile.id"), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the access token
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)  # 静态属性 (cover_type, street …)
    latest: Mapped[dict] = mapped_column(JSON, default=dict)  # 最新值: key → [value, iso time]
    last_seen_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)  # 被拒数据条数
    last_rejection: Mapped[str | None] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=now)


class Telemetry(Base):
    """遥测历史: one value of one key at one moment (PostgreSQL partitions it by month)."""

    __tablename__ = "iot_telemetry"

    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[datetime] = mapped_column(AwareDateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class TelemetryHour(Base):
    """小时汇总: count, sum, minimum and maximum of one key per device and hour."""

    __tablename__ = "iot_telemetry_hour"

    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[datetime] = mapped_column(AwareDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
    first: Mapped[float] = mapped_column(Float)
    last: Mapped[float] = mapped_column(Float)


class Rule(Base):
    """告警规则: a condition on a profile's telemetry that raises an alarm of one type."""

    __tablename__ = "iot_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("iot_profile.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # threshold, duration, repeat, rate, offline
    key: Mapped[str | None] = mapped_column(String(64))
    op: Mapped[str | None] = mapped_column(String(2))  # >, >=, <, <=, ==, !=
    value: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)  # 持续时长 / 变化率的时间窗
    count: Mapped[int] = mapped_column(Integer, default=1)  # 连续次数
    schedule: Mapped[str | None] = mapped_column(String(32))  # "19:00-07:00": only then
    alarm_type: Mapped[str] = mapped_column(String(32))
    alarm_label: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(16), default="MAJOR")
    auto_clear: Mapped[bool] = mapped_column(Boolean, default=True)  # 条件消失自动清除
    case_category: Mapped[str | None] = mapped_column(String(32))  # 转案件类别 (小类编码)
    case_attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("uq_iot_rule_profile_code", "profile_id", "code", unique=True),)


class RuleState(Base):
    """规则状态: a running duration, a count in a row, the last value — kept across restarts."""

    __tablename__ = "iot_rule_state"

    device_id: Mapped[int] = mapped_column(ForeignKey("iot_device.id"), primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("iot_rule.id"), primary_key=True)
    since: Mapped[datetime | None] = mapped_column(AwareDateTime)  # condition true since
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime, index=True)  # fires then
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_value: Mapped[float | None] = mapped_column(Float)
    last_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    fired: Mapped[bool] = mapped_column(Boolean, default=False)


class Alarm(Base):
    """告警: one per device and type while open; a repeated trigger updates it."""

    __tablename__ = "iot_alarm"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("iot_device.id"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("iot_rule.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    alarm_type: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # "device_id:type" while the alarm is active, NULL once cleared: one open alarm per pair
    active_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    last_at: Mapped[datetime] = mapped_column(AwareDateTime)
    trigger_count: Mapped[int] = mapped_column(Integer, default=1)
    value: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str | None] = mapped_column(Text)
    acked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    acked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the case it became (cases domain)
    case_category: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Building(Base):
    """公共建筑: floor area and the meter that measures it (建筑节能)."""

    __tablename__ = "iot_building"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    floor_area_m2: Mapped[float] = mapped_column(Float)
    meter_device_id: Mapped[int | None] = mapped_column(ForeignKey("iot_device.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    baseline_year: Mapped[int] = mapped_column(Integer)  # 基准年


class EnergyMonth(Base):
    """月度能耗: a building's kWh in a month with its degree-days and working days."""

    __tablename__ = "iot_energy_month"

    building_id: Mapped[int] = mapped_column(ForeignKey("iot_building.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-01"
    kwh: Mapped[float] = mapped_column(Float)
    hdd: Mapped[float] = mapped_column(Float)
    cdd: Mapped[float] = mapped_column(Float)
    workdays: Mapped[int] = mapped_column(Integer)
