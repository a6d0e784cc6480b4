"""JSON API of 物联感知: device ingest over HTTP, devices, telemetry, alarms and rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr, current_principal, require_roles
from smartgov.auth.principal import Principal
from smartgov.db import get_session, now
from smartgov.errors import ValidationFailed
from smartgov.iot import alarms, service, telemetry
from smartgov.iot.schemas import AlarmOut, DeviceCreated, DeviceIn, DeviceOut, IngestOut, RuleIn
from smartgov.iot.workflow import OPERATOR_ROLES, READER_ROLES, RULE_EDITORS
from smartgov.params import Id

router = APIRouter(prefix="/api/v1/iot", tags=["iot"])
READERS = require_roles(*READER_ROLES)
OPERATORS = require_roles(*OPERATOR_ROLES)
EDITORS = require_roles(*RULE_EDITORS)
TOKEN_PATTERN = r"^[A-Za-z0-9_\-]{8,64}$"


@router.post("/devices/{token}/telemetry", response_model=IngestOut, tags=["iot-device"])
def post_telemetry(
    token: str = Path(..., pattern=TOKEN_PATTERN, description="设备访问令牌"),
    payload: Any = Body(..., description='{"ts": 毫秒, "values": {...}}、{"key": value} 或其列表'),
    session: Session = Depends(get_session),
) -> IngestOut:
    """设备 HTTP 上报 with the device's access token in the path (as ThingsBoard's HTTP API)."""
    result = service.ingest_http(session, token, payload)
    return IngestOut(stored=result.stored, rejected=result.rejected, rejections=result.rejections)


@router.post("/devices", response_model=DeviceCreated, status_code=201)
def create_device(
    data: DeviceIn, session: Session = Depends(get_session), principal: Principal = Depends(EDITORS)
) -> DeviceCreated:
    """登记设备; the access token is in this answer only."""
    device, token = service.register_device(session, data, principal=principal)
    session.commit()
    return DeviceCreated(id=device.id, code=device.code, token=token)


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(
    q: str | None = Query(None, max_length=100),
    profile: str | None = Query(None, max_length=32),
    session: Session = Depends(get_session),
    principal: Principal = Depends(READERS),
) -> list[Any]:
    """设备台账 (the caller's department unless a command-centre role)."""
    return service.find_devices(session, principal, q=q, profile=profile)


@router.get("/devices/{device_id}", response_model=DeviceOut)
def get_device(
    device_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(READERS)
) -> Any:
    return service.get_device(session, device_id, principal)


@router.get("/devices/{device_id}/series")
def device_series(
    device_id: Id,
    key: str = Query(..., max_length=64),
    hours: float = Query(24, gt=0, le=24 * 400),
    end: datetime | None = None,
    session: Session = Depends(get_session),
    principal: Principal = Depends(READERS),
) -> dict[str, Any]:
    """遥测曲线 of one key: [[time, value], …] (hourly means beyond three days)."""
    device = service.get_device(session, device_id, principal)
    if end is not None and end.tzinfo is None:
        raise ValidationFailed("时间须带时区", code="naive_time")
    stop = end or now()
    return {
        "key": key,
        "points": telemetry.series(session, device.id, key, stop - timedelta(hours=hours), stop),
    }


@router.get("/alarms", response_model=list[AlarmOut])
def list_alarms(
    status: str | None = Query(None, max_length=16),
    severity: str | None = Query(None, max_length=16),
    active: bool = False,
    limit: int = Query(100, ge=1, le=1000),
    session: Session = Depends(get_session),
    principal: Principal = Depends(READERS),
) -> list[Any]:
    """告警列表, newest first."""
    stmt = service.alarms_query(principal, status=status, severity=severity, active_only=active).limit(limit)
    return list(session.scalars(stmt))


@router.post("/alarms/{alarm_id}/actions/{name}", response_model=AlarmOut)
def alarm_action(
    alarm_id: Id,
    name: str,
    data: alarms.AlarmAction,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
) -> Any:
    """确认 (ack) / 清除 (clear) / 指派 (assign) an alarm."""
    principal.require_login()
    return alarms.act(session, alarm_id, name, data, principal=principal, client_addr=client_addr(request))


@router.get("/rules")
def export_rules(
    session: Session = Depends(get_session), principal: Principal = Depends(READERS)
) -> list[dict]:
    """告警规则 as JSON (the import takes the same form)."""
    return service.export_rules(session)


@router.post("/rules")
def import_rules(
    items: list[dict[str, Any]] = Body(..., max_length=1000),
    session: Session = Depends(get_session),
    principal: Principal = Depends(EDITORS),
) -> dict[str, int]:
    """告警规则导入 (all or nothing)."""
    return {"saved": service.import_rules(session, items, principal)}


@router.put("/profiles/{profile}/rules", response_model=dict)
def save_rule(
    profile: str,
    data: RuleIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(EDITORS),
) -> dict[str, Any]:
    rule = service.save_rule(session, profile[:32], data, principal)
    session.commit()
    return {"id": rule.id, "code": rule.code}
