"""物联感知 pages: device map and registry, device page with charts, alarm console, rules editor."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.deps import require_roles
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.db import get_session, now
from smartgov.errors import AppError, ValidationFailed
from smartgov.iot import alarms, buildings, energy, lamps, service
from smartgov.iot import rules as rulebook
from smartgov.iot.aqi import aqi
from smartgov.iot.models import Alarm, Device, DeviceProfile, Rule
from smartgov.iot.schemas import RuleIn
from smartgov.iot.workflow import ALARM_FLOW, READER_ROLES, RULE_EDITORS, SEVERITY_LABELS, STATUS_LABELS
from smartgov.org.models import Department
from smartgov.params import Id
from smartgov.web.exports import CSV_TYPE, download
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
# after the case pages: a role's first page (after login) stays its queue, 绩效评价 or 分类目录
DEVICES = menu_entry("/iot", "物联感知", 73, *READER_ROLES)
CONSOLE = menu_entry("/iot/alarms", "告警中心", 72, *READER_ROLES)
RULES = menu_entry("/iot/rules", "告警规则", 78, *RULE_EDITORS)
ENERGY = menu_entry("/iot/energy", "建筑节能", 74, *READER_ROLES)
EDITORS = require_roles(*RULE_EDITORS)
MAX_CSV_BYTES = 2 * 1024 * 1024


async def _upload_text(file: UploadFile, wrong_encoding: str) -> str:
    """An uploaded text file (at most 2 MB, UTF-8)."""
    content = await file.read(MAX_CSV_BYTES + 1)
    if len(content) > MAX_CSV_BYTES:
        raise ValidationFailed("文件过大（最大 2 MB）", code="file_too_large")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(wrong_encoding, code="bad_encoding") from None


def _labels(session: Session) -> dict[str, Any]:
    return {
        "profiles": {p.id: p for p in service.profiles(session)},
        "severity_labels": {str(k): v for k, v in SEVERITY_LABELS.items()},
        "status_labels": {str(k): v for k, v in STATUS_LABELS.items()},
    }


@router.get("/iot", response_class=HTMLResponse)
def devices_page(
    request: Request,
    q: str | None = Query(None, max_length=100),
    profile: str | None = Query(None, max_length=32),
    session: Session = Depends(get_session),
    principal: Principal = Depends(DEVICES),
) -> Response:
    """设备地图与台账: every device on the map with its state, search, CSV import and export."""
    devices = service.find_devices(session, principal, q=q, profile=profile)
    open_counts = service.open_alarm_counts(session, [d.id for d in devices])
    labels = _labels(session)
    points = [
        {
            "id": d.id,
            "code": d.code,
            "name": d.name,
            "lat": d.lat,
            "lon": d.lon,
            "alarms": open_counts.get(d.id, 0),
            "profile": labels["profiles"][d.profile_id].name,
            "seen": d.last_seen_at.isoformat() if d.last_seen_at else None,
        }
        for d in devices
        if d.lat is not None and d.lon is not None
    ]
    return render(
        request,
        "iot/devices.html",
        {
            "devices": devices,
            "open_counts": open_counts,
            "points": points,
            "q": q or "",
            "profile": profile or "",
            "may_edit": principal.has_any(*RULE_EDITORS),
            **labels,
        },
    )


@router.get("/iot/devices.csv")
def export_devices(
    session: Session = Depends(get_session), principal: Principal = Depends(DEVICES)
) -> Response:
    """设备台账导出."""
    devices = service.find_devices(session, principal, limit=100_000)
    profiles = {p.id: p.code for p in service.profiles(session)}
    depts = dict(session.execute(select(Department.id, Department.code)).all())
    return download(
        service.export_csv(devices, profiles, depts).encode("utf-8-sig"), CSV_TYPE, "感知设备.csv"
    )


@router.post("/iot/devices/import", response_class=HTMLResponse)
async def import_devices(
    request: Request,
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(EDITORS),
) -> Response:
    """设备导入 (CSV, UTF-8): shows each new device's access token once."""
    text = await _upload_text(file, "请上传 UTF-8 编码的 CSV 文件")
    created = service.import_csv(session, text, principal)
    return render(request, "iot/imported.html", {"created": created})


@router.get("/iot/devices/{device_id}", response_class=HTMLResponse)
def device_page(
    request: Request,
    device_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(DEVICES),
) -> Response:
    """设备详情: latest values, telemetry charts (zoom, range) and the device's alarms."""
    device = service.get_device(session, device_id, principal)
    profile = session.get(DeviceProfile, device.profile_id)
    recent = session.scalars(
        select(Alarm).where(Alarm.device_id == device.id).order_by(Alarm.started_at.desc()).limit(20)
    ).all()
    department = session.get(Department, device.department_id) if device.department_id else None
    latest = {key: pair[0] for key, pair in (device.latest or {}).items()}
    air = aqi(latest, hourly=True) if profile and profile.code == "air_quality" else None
    return render(
        request,
        "iot/device.html",
        {
            "device": device,
            "profile": profile,
            "alarms": recent,
            "department": department,
            "air": air,
            **_labels(session),
        },
    )


def _console_rows(
    session: Session, principal: Principal, status: str | None, severity: str | None, active: bool
) -> list[tuple[Alarm, Device]]:
    stmt = service.alarms_query(
        principal, status=status or None, severity=severity or None, active_only=active
    )
    found = session.scalars(stmt.limit(200)).all()
    devices = {
        d.id: d for d in session.scalars(select(Device).where(Device.id.in_({a.device_id for a in found})))
    }
    return [(a, devices[a.device_id]) for a in found]


@router.get("/iot/alarms", response_class=HTMLResponse)
def alarm_console(
    request: Request,
    status: str | None = Query(None, max_length=16),
    severity: str | None = Query(None, max_length=16),
    active: bool = False,
    session: Session = Depends(get_session),
    principal: Principal = Depends(CONSOLE),
) -> Response:
    """告警中心: live list (htmx polling), filters, acknowledge and clear, the device's chart."""
    rows = _console_rows(session, principal, status, severity, active)
    context = {
        "rows": rows,
        "status": status or "",
        "severity": severity or "",
        "active": active,
        "actions": {a.id: ALARM_FLOW.allowed(a, principal) for a, _ in rows},
        **_labels(session),
    }
    template = "iot/_alarm_rows.html" if request.headers.get("HX-Request") else "iot/alarms.html"
    return render(request, template, context)


@router.get("/iot/alarms/{alarm_id}", response_class=HTMLResponse)
def alarm_page(
    request: Request,
    alarm_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(CONSOLE),
) -> Response:
    """告警详情: the timeline, the case it became and the device's chart around the alarm."""
    alarm = alarms.get_alarm(session, alarm_id, principal)
    device = session.get(Device, alarm.device_id)
    profile = session.get(DeviceProfile, device.profile_id) if device else None
    return render(
        request,
        "iot/alarm.html",
        {
            "alarm": alarm,
            "rule": session.get(Rule, alarm.rule_id) if alarm.rule_id else None,
            "device": device,
            "profile": profile,
            "events": alarms.timeline_of(session, alarm.id),
            "step_labels": ALARM_FLOW.labels(),
            "actions": ALARM_FLOW.allowed(alarm, principal),
            **_labels(session),
        },
    )


@router.post("/iot/alarms/{alarm_id}/{name}")
def alarm_action(
    request: Request,
    alarm_id: Id,
    name: str,
    note: str = Form("", max_length=500),
    assignee: str = Form("", max_length=64),
    back: str = Form("", max_length=200),
    session: Session = Depends(get_session),
    principal: Principal = Depends(CONSOLE),
) -> Response:
    """确认 / 清除 / 指派 from the console or the alarm page."""
    data = alarms.AlarmAction(note=note or None, assignee=assignee or None)
    alarms.act(session, alarm_id, name, data, principal=principal)
    target = back if back.startswith("/iot/") else f"/iot/alarms/{alarm_id}"
    return RedirectResponse(target, status_code=303)


@router.get("/iot/rules", response_class=HTMLResponse)
def rules_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(RULES)
) -> Response:
    """告警规则: every profile's rules in plain words, edited in a form, exported and imported as JSON."""
    profiles = service.profiles(session)
    rules = service.rules_of(session)
    described = {}
    for r in rules:
        profile = next(p for p in profiles if p.id == r.profile_id)
        key = (profile.telemetry or {}).get(r.key or "", {})
        described[r.id] = rulebook.describe(
            rulebook.RuleSpec(r.id, r.kind, r.key, r.op, r.value, r.duration_s, r.count, r.schedule),
            key.get("label", ""),
            key.get("unit", ""),
        )
    return render(
        request,
        "iot/rules.html",
        {
            "profiles": profiles,
            "rules": rules,
            "described": described,
            "kinds": rulebook.RULE_KIND_LABELS,
            "operators": rulebook.OPERATOR_LABELS,
            "severity_labels": {str(k): v for k, v in SEVERITY_LABELS.items()},
        },
    )


@router.post("/iot/rules")
def save_rule_form(
    request: Request,
    profile: str = Form(..., max_length=32),
    code: str = Form(..., max_length=32),
    name: str = Form(..., max_length=100),
    kind: str = Form(..., max_length=16),
    key: str = Form("", max_length=64),
    op: str = Form("", max_length=2),
    value: str = Form("", max_length=32),
    duration_s: int = Form(0, ge=0, le=30 * 86400),
    count: int = Form(1, ge=1, le=1000),
    schedule: str = Form("", max_length=32),
    alarm_type: str = Form(..., max_length=32),
    severity: str = Form("MAJOR", max_length=16),
    case_category: str = Form("", max_length=32),
    auto_clear: bool = Form(False),
    enabled: bool = Form(False),
    session: Session = Depends(get_session),
    principal: Principal = Depends(RULES),
) -> Response:
    """Save one rule from the editor's form."""
    try:
        number = float(value) if value.strip() else None
    except ValueError:
        raise ValidationFailed("阈值应为数字", code="bad_value") from None
    try:
        data = RuleIn(
            code=code,
            name=name,
            kind=kind,
            key=key or None,
            op=op or None,
            value=number,  # type: ignore[arg-type]
            duration_s=duration_s,
            count=count,
            schedule=schedule or None,
            alarm_type=alarm_type,
            alarm_label=name,
            severity=severity,
            auto_clear=auto_clear,  # type: ignore[arg-type]
            case_category=case_category or None,
            enabled=enabled,
        )
    except ValueError as exc:
        raise ValidationFailed(f"规则填写有误：{exc.__class__.__name__}", code="bad_rule") from None
    service.save_rule(session, profile, data, principal)
    session.commit()
    return RedirectResponse("/iot/rules", status_code=303)


@router.get("/iot/rules.json")
def export_rules(session: Session = Depends(get_session), principal: Principal = Depends(RULES)) -> Response:
    body = json.dumps(service.export_rules(session), ensure_ascii=False, indent=1).encode()
    return download(body, "application/json", "告警规则.json")


@router.post("/iot/rules/import")
async def import_rules(
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(RULES),
) -> Response:
    try:
        items = json.loads(await _upload_text(file, "请上传告警规则导出的 JSON 文件"))
    except ValueError:
        raise ValidationFailed("请上传告警规则导出的 JSON 文件", code="bad_json") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationFailed("请上传告警规则导出的 JSON 文件", code="bad_json")
    try:
        service.import_rules(session, items, principal)
    except AppError:
        session.rollback()
        raise
    return RedirectResponse("/iot/rules", status_code=303)


@router.get("/iot/energy", response_class=HTMLResponse)
def energy_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(ENERGY)
) -> Response:
    """建筑节能: each building's baseline model (CV(RMSE), NMBE, R² against ASHRAE Guideline 14), its
    monthly adjusted baseline against actual use, and the district's savings against 15 %."""
    reports, total = buildings.district_reports(session)
    _, per_street = lamps.lamp_energy(session, now() - timedelta(days=30), now())
    charts = {
        r.building.code: {
            "months": [m.month for m in r.report.months],
            "baseline": [round(m.adjusted_baseline) for m in r.report.months],
            "actual": [round(m.actual) for m in r.report.months],
        }
        for r in reports
    }
    return render(
        request,
        "iot/energy.html",
        {
            "reports": reports,
            "total": total,
            "charts": charts,
            "goal": energy.SAVINGS_GOAL,
            "per_street": per_street,
            "limits": energy.GUIDELINE_14,
        },
    )
