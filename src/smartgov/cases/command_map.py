"""指挥地图 (the command map): cases per grid on a map, with filters, for every staff role."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.cases.models import Category
from smartgov.cases.queries import ALL_STAFF, cases_per_grid
from smartgov.cases.workflow import STATUS_LABELS
from smartgov.db import get_session
from smartgov.org.models import Department
from smartgov.web.templating import render
from smartgov.workclock.service import day_bound

router = APIRouter(tags=["pages"], include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["cases"])
COMMAND_CENTRE = menu_entry("/map", "指挥地图", 50, *ALL_STAFF)


@router.get("/map", response_class=HTMLResponse)
def command_map(
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(COMMAND_CENTRE),
) -> Response:
    """指挥地图: cases per grid, coloured by count or overdue, with filters."""
    return render(
        request,
        "cases/map.html",
        {
            "categories": session.scalars(
                select(Category).where(Category.level == "minor").order_by(Category.code)
            ).all(),
            "departments": session.scalars(select(Department).order_by(Department.code)).all(),
            "statuses": STATUS_LABELS,
        },
    )


@api.get("/cases-by-grid")
def cases_by_grid(
    measure: str = "count",
    category: str | None = None,
    status: str | None = None,
    department: str | None = None,
    start: str | None = None,
    end: str | None = None,
    session: Session = Depends(get_session),
    principal: Principal = Depends(COMMAND_CENTRE),
) -> dict[str, int]:
    """Counts of visible cases per grid code (all, or only overdue ones) for the command map.

    ``start``/``end`` are days (both included) or ISO 8601 times; without an offset they are the
    configured zone's local time (Asia/Shanghai)."""
    return cases_per_grid(
        session, principal, measure=measure, category=category, status=status, department=department,
        reported_from=day_bound(start, is_end=False) if start and start.strip() else None,
        reported_to=day_bound(end, is_end=True) if end and end.strip() else None,
    )
