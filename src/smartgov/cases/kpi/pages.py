"""绩效评价 pages (/kpi), CSV/XLSX exports, the settings form and GET /api/v1/kpi/{subject}."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.deps import current_principal, require_roles
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases.kpi import service as kpi
from smartgov.db import get_session
from smartgov.errors import AppError, Forbidden
from smartgov.scoring import parse_bands, parse_grades
from smartgov.web.exports import CSV_TYPE, XLSX_TYPE, download
from smartgov.web.forms import form_number
from smartgov.web.templating import render

router = APIRouter()
READERS = menu_entry("/kpi", "绩效评价", 60, *kpi.READER_ROLES, Role.HANDLER)
ADMIN = require_roles(Role.SYSTEM_ADMIN)
DATE_HELP = "YYYY-MM-DD（含当日）或 ISO 时间；缺省为本月"


def _report(session: Session, principal: Principal, subject: str | None,
            start: str | None, end: str | None) -> kpi.KpiReport:
    allowed = kpi.subjects_for(principal)
    if not allowed:
        principal.require_login()
        raise Forbidden("当前账号无权查看绩效评价 (your role may not read these figures)")
    period = kpi.parse_period(start, end)
    return kpi.report_for(session, principal, subject or allowed[0].key, period)


def _chart(report: kpi.KpiReport) -> dict[str, Any]:
    """What the bar chart draws: each row's score, plus its main rate for region subjects."""
    rows = report.rows[:40]
    first_rate = report.subject.rates[0]
    return {"names": [r.name for r in rows],
            "scores": [r.score for r in rows],
            "rate_label": first_rate.label,
            "rates": [None if r.rates[first_rate.key] is None
                      else round(r.rates[first_rate.key] * 100, 2) for r in rows]}


@router.get("/kpi", response_class=HTMLResponse, include_in_schema=False)
def kpi_page(request: Request, subject: str | None = None, start: str | None = None,
             end: str | None = None, session: Session = Depends(get_session),
             principal: Principal = Depends(current_principal)) -> Response:
    """The performance page: one tab per subject, a period form, a chart and the table."""
    report = _report(session, principal, subject, start, end)
    period = report.period
    query = f"subject={report.subject.key}&start={period.first_day}&end={period.last_day}"
    return render(request, "cases/kpi.html", {
        "report": report, "subjects": kpi.subjects_for(principal), "query": query,
        "chart": _chart(report), "components": report.subject.components,
        "weights": report.config.weights[report.subject.key],
        "is_admin": principal.has_any(Role.SYSTEM_ADMIN)})


@router.get("/kpi/export.csv", include_in_schema=False)
def kpi_export_csv(subject: str | None = None, start: str | None = None, end: str | None = None,
                   session: Session = Depends(get_session),
                   principal: Principal = Depends(current_principal)) -> Response:
    report = _report(session, principal, subject, start, end)
    return download(kpi.export_csv(report), CSV_TYPE, kpi.export_filename(report, "csv"))


@router.get("/kpi/export.xlsx", include_in_schema=False)
def kpi_export_xlsx(subject: str | None = None, start: str | None = None, end: str | None = None,
                    session: Session = Depends(get_session),
                    principal: Principal = Depends(current_principal)) -> Response:
    report = _report(session, principal, subject, start, end)
    return download(kpi.export_xlsx(report), XLSX_TYPE, kpi.export_filename(report, "xlsx"))


@router.get("/kpi/config", response_class=HTMLResponse, include_in_schema=False)
def kpi_config_page(request: Request, session: Session = Depends(get_session),
                    principal: Principal = Depends(ADMIN)) -> Response:
    config = kpi.load_config(session)
    msg = request.query_params.get("msg")
    return render(request, "cases/kpi_config.html", {
        "config": config, "subjects": list(kpi.SUBJECTS.values()),
        "bands_text": "\n".join(f"{lo} {score:g}" for lo, score in config.bands),
        "grades_text": "\n".join(f"{g} {lo:g}" for g, lo in config.grades),
        "flash": [msg] if msg else []})


def _config_from_form(form: Any) -> kpi.KpiConfig:
    weights: dict[str, dict[str, float]] = {}
    for subj in kpi.SUBJECTS.values():
        weights[subj.key] = {}
        for key, label in subj.components:
            weight = form_number(form, f"w.{subj.key}.{key}", float, f"「{subj.label}」的「{label}」权重")
            weights[subj.key][key] = weight or 0.0
    return kpi.KpiConfig(weights=weights, bands=parse_bands(str(form.get("bands") or "")),
                         grades=parse_grades(str(form.get("grades") or "")),
                         exclude_parked=form.get("exclude_parked") == "on")


@router.post("/kpi/config", include_in_schema=False)
async def kpi_config_save(request: Request, session: Session = Depends(get_session),
                          principal: Principal = Depends(ADMIN)) -> Response:
    """Save weights, bands and grades; nothing is saved when any part is wrong."""
    form = await request.form()
    try:
        config = _config_from_form(form)
        kpi.save_config(session, config, actor=principal.user)
    except AppError as exc:
        session.rollback()
        message = quote("未保存：" + exc.message)
        return RedirectResponse(f"/kpi/config?msg={message}", status_code=303)
    audit.record(session, action="kpi.config", principal=principal, object_type="kpi_setting",
                 object_id=kpi.KPI_SETTING_KEY, detail=config.to_dict())
    session.commit()
    return RedirectResponse(f"/kpi/config?msg={quote('考核参数已保存')}", status_code=303)


@router.get("/api/v1/kpi/{subject}", tags=["cases"])
def kpi_api(subject: str,
            start: str | None = Query(None, description=DATE_HELP),
            end: str | None = Query(None, description=DATE_HELP),
            session: Session = Depends(get_session),
            principal: Principal = Depends(READERS)) -> dict[str, Any]:
    """绩效评价 of one subject (department, inspector, operator, duty_chief, dispatcher, street,
    grid, hotline) over a period: counts, rates (0–1), score (0–100) and grade per row.
    A department handler gets only its own department (department and hotline subjects)."""
    return _report(session, principal, subject, start, end).to_dict()
