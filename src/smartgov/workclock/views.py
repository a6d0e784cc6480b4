"""JSON API of the working calendar (工作日历): due times, special days, schedule upload."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.deps import require_roles, require_staff
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session
from smartgov.errors import ValidationFailed
from smartgov.params import Year
from smartgov.web.templating import register_filter
from smartgov.workclock.limits import limit_label
from smartgov.workclock.service import (
    TimeLimit,
    get_calendar,
    parse_moment,
    parse_schedule,
    store_schedule,
)

audit.register_labels({"workclock.schedule.load": "导入节假日安排"},
                      fields={"days": "天数", "years": "年份"}, objects={"calendar_day": "工作日历"})

router = APIRouter(prefix="/api/v1/workclock", tags=["workclock"])

MAX_SCHEDULE_BYTES = 1_000_000


@router.get("/due")
def due(
    start: str = Query(..., description="起算时间 ISO 8601; without offset: the configured zone"),
    limit: str = Query(..., description="时限: 4wh, 3wd, 24h, 2d"),
    session: Session = Depends(get_session),
    _: Principal = Depends(require_staff),
) -> dict[str, Any]:
    """Due time of ``limit`` started at ``start`` (到期时间)."""
    parsed = TimeLimit.parse(limit)
    moment = parse_moment(start)
    calendar = get_calendar(session)
    due_at = calendar.add_working_time(moment, parsed)
    return {"start": calendar.local(moment).isoformat(), "limit": str(parsed),
            "label": parsed.label, "due_at": due_at.isoformat()}


@router.get("/days/{year}")
def special_days(year: Year, session: Session = Depends(get_session),
                 _: Principal = Depends(require_staff)) -> dict[str, Any]:
    """Holidays on weekdays and make-up working days of ``year`` (节假日与调休)."""
    days = get_calendar(session).special_days(year)
    return {"year": year, "days": [
        {"date": d.day.isoformat(), "is_workday": d.is_workday, "name": d.name, "source": d.source}
        for d in days]}


@router.post("/schedule")
async def upload_schedule(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_roles(Role.SYSTEM_ADMIN)),
) -> dict[str, Any]:
    """Load a holiday schedule (导入节假日安排): JSON body, or CSV with Content-Type text/csv."""
    body = await request.body()
    if len(body) > MAX_SCHEDULE_BYTES:
        raise ValidationFailed("文件过大 (schedule too large)", code="bad_schedule")
    kind = "csv" if "csv" in request.headers.get("content-type", "") else "json"
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("文件须为 UTF-8 编码 (UTF-8 required)", code="bad_schedule") from exc
    days = parse_schedule(text, kind)
    years = sorted({d.day.year for d in days})
    audit.record(session, action="workclock.schedule.load", principal=principal,
                 object_type="calendar_day", object_id=",".join(map(str, years)),
                 detail={"days": len(days), "years": years})
    count = store_schedule(session, days)
    return {"loaded": count, "years": years}


register_filter("limit", limit_label)  # {{ category.handle_limit|limit }} → 4个工作时
