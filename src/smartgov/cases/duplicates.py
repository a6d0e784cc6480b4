"""Duplicate reports (并单建议): same class nearby and recent, or near-identical text in the grid."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from smartgov.auth.principal import Principal
from smartgov.cases.models import Case
from smartgov.cases.workflow import OPEN_STATES, Status, action
from smartgov.config import get_settings
from smartgov.org.geo import distance_m
from smartgov.text import near_duplicate, shingles

_OPEN = [str(s) for s in OPEN_STATES]
# Built once: the duplicate check runs on every report, and building a statement costs more than
# running it on its index.
_SHOWN = (Case.id, Case.case_no, Case.title, Case.status)  # what a suggestion shows
_NEARBY = (
    select(*_SHOWN, Case.lon, Case.lat)
    .where(
        Case.category_id == bindparam("category_id"),
        Case.id != bindparam("case_id"),
        Case.status.in_(_OPEN),
        Case.reported_at >= bindparam("since"),
        Case.lon.between(bindparam("lon_min"), bindparam("lon_max")),
        Case.lat.between(bindparam("lat_min"), bindparam("lat_max")),
    )
    .order_by(Case.id.desc())
    .limit(50)
)
_SAME_GRID = (
    select(*_SHOWN, Case.simhash, Case.description)
    .where(
        Case.grid_id == bindparam("grid_id"),
        Case.id != bindparam("case_id"),
        Case.status.in_(_OPEN),
        Case.reported_at >= bindparam("since"),
        Case.simhash.is_not(None),
    )
    .order_by(Case.id.desc())
    .limit(500)
)


def find_duplicates(session: Session, case: Case, limit: int = 5) -> list[tuple[Any, str]]:
    """Open cases that may be the same problem (rows of id, case_no, title, status), with the
    reason ("nearby" or "same_text")."""
    settings = get_settings()
    since = case.reported_at - timedelta(hours=settings.duplicate_window_hours)
    found: dict[int, tuple[Any, str]] = {}  # case id → (row, why it may be the same problem)
    if case.category_id and case.lon is not None and case.lat is not None:
        dlat = settings.duplicate_radius_m / 111_320
        dlon = dlat / max(math.cos(math.radians(case.lat)), 0.01)
        nearby = session.execute(
            _NEARBY,
            {
                "category_id": case.category_id,
                "case_id": case.id,
                "since": since,
                "lon_min": case.lon - dlon,
                "lon_max": case.lon + dlon,
                "lat_min": case.lat - dlat,
                "lat_max": case.lat + dlat,
            },
        )
        for row in nearby:
            if distance_m(case.lon, case.lat, row.lon, row.lat) <= settings.duplicate_radius_m:
                found.setdefault(row.id, (row, "nearby"))
    if case.grid_id and case.simhash is not None:
        same_grid = session.execute(
            _SAME_GRID, {"grid_id": case.grid_id, "case_id": case.id, "since": since}
        )
        bigrams = set(shingles(case.description))
        for row in same_grid:
            if row.id not in found and near_duplicate(case.simhash, row.simhash, bigrams, row.description):
                found[row.id] = (row, "same_text")
    return [found[other_id] for other_id in sorted(found)[:limit]]


DUPLICATE_REASONS = {"nearby": "同类问题、位置相近", "same_text": "同一网格内描述几乎相同"}


def duplicate_suggestions(session: Session, case: Case, principal: Principal) -> list[dict]:
    """并单建议 for an open case, shown to those who may merge (the 并单 action's roles) and only
    among the cases they may see; merging stays a person's decision."""
    if not Status(case.status).is_open or not principal.has_any(*action("merge").roles):
        return []
    found = find_duplicates(session, case)
    if not found:
        return []
    from smartgov.cases.service import visibility_clause

    visible = set(
        session.scalars(
            select(Case.id).where(Case.id.in_([other.id for other, _ in found]), visibility_clause(principal))
        )
    )
    return [
        {
            "id": other.id,
            "case_no": other.case_no,
            "title": other.title,
            "status": other.status,
            "reason": DUPLICATE_REASONS[why],
        }
        for other, why in found
        if other.id in visible
    ]
