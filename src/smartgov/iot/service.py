"""物联感知 operations: devices and their tokens, HTTP ingest, the registry, rules as JSON."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError as PydanticError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.db import now
from smartgov.errors import NotFound, ValidationFailed
from smartgov.iot import catalogue, ingest
from smartgov.iot import rules as rulebook
from smartgov.iot.models import Alarm, Device, DeviceProfile, Rule
from smartgov.iot.schemas import DeviceIn, RuleIn
from smartgov.iot.workflow import ACTIVE
from smartgov.org.models import Department

audit.register_labels(
    {
        "iot_device.create": "登记感知设备",
        "iot_device.import": "导入感知设备",
        "iot_device.token": "重置设备令牌",
        "iot_rule.save": "修改告警规则",
        "iot_rule.import": "导入告警规则",
    },
    objects={"iot_device": "感知设备", "iot_rule": "告警规则"},
)

CSV_COLUMNS = ("code", "name", "profile", "lon", "lat", "address", "department")
CSV_HEADER = ("设备编码", "设备名称", "设备模型", "经度", "纬度", "地址", "权属部门")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def profile_by_code(session: Session, code: str) -> DeviceProfile:
    profile = session.scalar(select(DeviceProfile).where(DeviceProfile.code == code))
    if profile is None:
        raise ValidationFailed(f"未知的设备模型: {code}", code="unknown_profile")
    return profile


def _department(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise ValidationFailed(f"未知的部门编码: {code}", code="unknown_department")
    return dept.id


def _grid_of(session: Session, lon: float | None, lat: float | None) -> int | None:
    """The unit grid the device stands in (网格定位); None outside the district."""
    if lon is None or lat is None:
        return None
    from smartgov.org.geo import get_locator

    try:
        return get_locator(session).locate(lon, lat).grid_id
    except Exception:  # outside every grid: the device is kept, without a grid
        return None


def register_device(
    session: Session, data: DeviceIn, *, principal: Principal | None, token: str | None = None
) -> tuple[Device, str]:
    """登记设备: returns the device and its access token (shown once; only its hash is kept)."""
    if session.scalar(select(Device.id).where(Device.code == data.code)):
        raise ValidationFailed(f"设备编码已存在: {data.code}", code="duplicate_device")
    profile = profile_by_code(session, data.profile)
    token = token or new_token()
    device = Device(
        code=data.code,
        name=data.name,
        profile_id=profile.id,
        lon=data.lon,
        lat=data.lat,
        address=data.address,
        department_id=_department(session, data.department),
        grid_id=_grid_of(session, data.lon, data.lat),
        token_hash=hash_token(token),
        attributes=dict(data.attributes),
        latest={},
        rejected_count=0,
        is_active=True,
        created_at=now(),
    )
    session.add(device)
    session.flush()
    audit.record(
        session,
        action="iot_device.create",
        actor=principal.user if principal else None,
        object_type="iot_device",
        object_id=device.id,
        detail={"code": device.code},
    )
    return device, token


def reset_token(session: Session, device_id: int, principal: Principal) -> str:
    device = get_device(session, device_id, principal)
    token = new_token()
    device.token_hash = hash_token(token)
    audit.record(
        session,
        action="iot_device.token",
        actor=principal.user,
        object_type="iot_device",
        object_id=device.id,
    )
    session.commit()
    return token


def device_by_token(session: Session, token: str) -> Device:
    device = session.scalar(
        select(Device).where(Device.token_hash == hash_token(token), Device.is_active.is_(True))
    )
    if device is None:
        raise NotFound("设备令牌无效", code="unknown_device_token")
    return device


def ingest_http(session: Session, token: str, payload: Any) -> ingest.BatchResult:
    """HTTP 上报 with the device token (ThingsBoard's POST /api/v1/<token>/telemetry)."""
    device = device_by_token(session, token)
    try:
        readings = ingest.device_readings(device.code, payload)
    except ingest.BadMessage as exc:
        raise ValidationFailed(str(exc), code="bad_telemetry") from None
    result = ingest.store(session, readings)
    session.commit()
    return result


def get_device(session: Session, device_id: int, principal: Principal) -> Device:
    device = session.get(Device, device_id)
    if device is None or not principal.can_see_department(device.department_id):
        raise NotFound("设备不存在", code="device_not_found")
    return device


def find_devices(
    session: Session,
    principal: Principal,
    *,
    q: str | None = None,
    profile: str | None = None,
    limit: int = 500,
) -> list[Device]:
    """设备台账: search by code, name or address; a department's staff see their own devices."""
    stmt = select(Device).order_by(Device.code).limit(limit)
    if not principal.sees_all_departments:
        stmt = stmt.where(Device.department_id == principal.department_id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Device.code.ilike(like), Device.name.ilike(like), Device.address.ilike(like)))
    if profile:
        stmt = stmt.join(DeviceProfile).where(DeviceProfile.code == profile)
    return list(session.scalars(stmt))


def profiles(session: Session) -> list[DeviceProfile]:
    return list(session.scalars(select(DeviceProfile).order_by(DeviceProfile.id)))


def open_alarm_counts(session: Session, device_ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(Alarm.device_id, func.count())
        .where(Alarm.device_id.in_(list(device_ids)), Alarm.status.in_([str(s) for s in ACTIVE]))
        .group_by(Alarm.device_id)
    )
    return dict(rows.all())  # type: ignore[arg-type]


def export_csv(devices: Sequence[Device], profile_codes: dict[int, str], dept_codes: dict[int, str]) -> str:
    """设备台账导出 (CSV with Chinese headers, the same columns the import reads)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for d in devices:
        writer.writerow(
            [
                d.code,
                d.name,
                profile_codes.get(d.profile_id, ""),
                d.lon or "",
                d.lat or "",
                d.address or "",
                dept_codes.get(d.department_id or 0, ""),
            ]
        )
    return out.getvalue()


def import_csv(session: Session, text: str, principal: Principal) -> list[tuple[str, str]]:
    """设备导入: one device a row; returns (code, token) of the new devices. A bad row stops the
    import with its line number and nothing is written."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header[: len(CSV_HEADER)]) != CSV_HEADER:
        raise ValidationFailed("表头应为：" + "，".join(CSV_HEADER), code="bad_csv_header")
    created = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(CSV_COLUMNS, [c.strip() for c in row] + [""] * len(CSV_COLUMNS), strict=False))
        try:
            data = DeviceIn(
                code=cells["code"],
                name=cells["name"],
                profile=cells["profile"],
                lon=float(cells["lon"]) if cells["lon"] else None,
                lat=float(cells["lat"]) if cells["lat"] else None,
                address=cells["address"] or None,
                department=cells["department"] or None,
            )
            device, token = register_device(session, data, principal=principal)
        except (ValueError, ValidationFailed) as exc:
            session.rollback()
            message = exc.message if isinstance(exc, ValidationFailed) else "数据格式错误"
            raise ValidationFailed(f"第 {line} 行：{message}", code="bad_csv_row") from None
        created.append((device.code, token))
    audit.record(
        session,
        action="iot_device.import",
        actor=principal.user,
        object_type="iot_device",
        detail={"count": len(created)},
    )
    session.commit()
    return created


# --- rules --------------------------------------------------------------------------------------


def rules_of(session: Session, profile_id: int | None = None) -> list[Rule]:
    stmt = select(Rule).order_by(Rule.profile_id, Rule.id)
    if profile_id:
        stmt = stmt.where(Rule.profile_id == profile_id)
    return list(session.scalars(stmt))


def check_rule(data: RuleIn) -> None:
    """A rule says what it checks: a key, an operator and a limit (or a time for offline)."""
    rulebook.parse_schedule(data.schedule)
    if data.kind != rulebook.RuleKind.OFFLINE and (not data.key or data.op is None or data.value is None):
        raise ValidationFailed("请填写遥测项、比较方式和阈值", code="rule_incomplete")
    if (
        data.kind in (rulebook.RuleKind.DURATION, rulebook.RuleKind.OFFLINE, rulebook.RuleKind.RATE)
        and data.duration_s < 1
    ):
        raise ValidationFailed("请填写持续时长（秒）", code="rule_duration_required")


def save_rule(session: Session, profile_code: str, data: RuleIn, principal: Principal) -> Rule:
    """Create or change a rule of a profile (by its code)."""
    check_rule(data)
    profile = profile_by_code(session, profile_code)
    if data.key and data.key not in (profile.telemetry or {}):
        raise ValidationFailed(f"设备模型「{profile.name}」没有遥测项 {data.key}", code="unknown_key")
    rule = session.scalar(select(Rule).where(Rule.profile_id == profile.id, Rule.code == data.code))
    if rule is None:
        rule = Rule(profile_id=profile.id, code=data.code)
        session.add(rule)
    for name in catalogue.RULE_FIELDS:
        setattr(rule, name, getattr(data, name))
    session.flush()
    audit.record(
        session,
        action="iot_rule.save",
        actor=principal.user,
        object_type="iot_rule",
        object_id=rule.id,
        detail={"profile": profile.code, "code": rule.code},
    )
    return rule


def export_rules(session: Session) -> list[dict[str, Any]]:
    """告警规则导出 (JSON): every profile's rules by profile code."""
    codes = {p.id: p.code for p in profiles(session)}
    return [
        {
            "profile": codes[r.profile_id],
            "code": r.code,
            **{name: getattr(r, name) for name in catalogue.RULE_FIELDS},
        }
        for r in rules_of(session)
    ]


def import_rules(session: Session, items: Sequence[dict[str, Any]], principal: Principal) -> int:
    """告警规则导入: each item as export_rules writes it; all or nothing."""
    count = 0
    for number, item in enumerate(items, start=1):
        try:
            data = RuleIn.model_validate({k: v for k, v in item.items() if k != "profile"})
        except PydanticError as exc:
            session.rollback()
            fields = "、".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            raise ValidationFailed(f"第 {number} 条规则有误：{fields}", code="bad_rule") from None
        save_rule(session, str(item.get("profile", "")), data, principal)
        count += 1
    session.commit()
    return count


def alarms_query(
    principal: Principal, *, status: str | None = None, severity: str | None = None, active_only: bool = False
) -> Any:
    """告警列表 as the console filters it (department scope applied)."""
    stmt = select(Alarm).order_by(Alarm.started_at.desc(), Alarm.id.desc())
    if not principal.sees_all_departments:
        stmt = stmt.where(Alarm.department_id == principal.department_id)
    if status:
        stmt = stmt.where(Alarm.status == status)
    if severity:
        stmt = stmt.where(Alarm.severity == severity)
    if active_only:
        stmt = stmt.where(Alarm.active_key.is_not(None))
    return stmt


def since(minutes: int) -> datetime:
    from datetime import timedelta

    return now() - timedelta(minutes=minutes)
