"""Pydantic models of the 物联感知 API (input and output)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class DeviceIn(BaseModel):
    """登记设备."""

    code: str = Field(..., pattern=CODE_PATTERN, description="设备编码 (letters, digits, - _ .)")
    name: str = Field(..., min_length=1, max_length=100)
    profile: str = Field(..., max_length=32, description="设备模型编码, e.g. manhole_cover")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str | None = Field(None, max_length=300)
    department: str | None = Field(None, max_length=32, description="权属部门编码")
    attributes: dict[str, str] = Field(default_factory=dict, max_length=20)


class DeviceCreated(BaseModel):
    id: int
    code: str
    token: str = Field(description="访问令牌 (shown once)")


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    profile_id: int
    lon: float | None
    lat: float | None
    address: str | None
    grid_id: int | None
    department_id: int | None
    latest: dict[str, Any]
    last_seen_at: datetime | None
    rejected_count: int


class IngestOut(BaseModel):
    """遥测接收结果."""

    stored: int
    rejected: int
    rejections: list[str]


class RuleIn(BaseModel):
    """告警规则."""

    code: str = Field(..., pattern=r"^[a-z0-9_]{1,32}$")
    name: str = Field(..., min_length=1, max_length=100)
    kind: Literal["threshold", "duration", "repeat", "rate", "offline"]
    key: str | None = Field(None, max_length=64)
    op: Literal[">", ">=", "<", "<=", "==", "!="] | None = None
    value: float | None = Field(None, ge=-1e12, le=1e12)
    duration_s: int = Field(0, ge=0, le=30 * 86400)
    count: int = Field(1, ge=1, le=1000)
    schedule: str | None = Field(None, max_length=32, description="HH:MM-HH:MM, e.g. 19:00-06:00")
    alarm_type: str = Field(..., pattern=r"^[a-z0-9_]{1,32}$")
    alarm_label: str = Field(..., min_length=1, max_length=100)
    severity: Literal["CRITICAL", "MAJOR", "MINOR", "WARNING", "INDETERMINATE"] = "MAJOR"
    auto_clear: bool = True
    case_category: str | None = Field(None, max_length=32, description="转案件的小类编码")
    case_attributes: dict[str, list[str]] = Field(default_factory=dict)
    enabled: bool = True


class AlarmOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: int
    alarm_type: str
    label: str
    severity: str
    status: str
    started_at: datetime
    last_at: datetime
    trigger_count: int
    value: float | None
    cleared_at: datetime | None
    case_id: int | None
    version: int
