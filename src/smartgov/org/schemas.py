"""Pydantic outputs of the org API (areas, grids, departments, point lookup)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from smartgov.org.models import Area, AreaLevel, Department


class AreaRef(BaseModel):
    """A short reference to an area."""

    id: int
    code: str
    name: str

    @classmethod
    def of(cls, area: Area | None) -> AreaRef | None:
        return cls(id=area.id, code=area.code, name=area.name) if area is not None else None


class AreaOut(BaseModel):
    """An area (区/街道/社区/单元网格); ``geometry`` only when asked for."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: str
    level_label: str
    parent_id: int | None
    center_lon: float | None
    center_lat: float | None
    area_m2: float | None
    geometry: dict[str, Any] | None = None

    @classmethod
    def of(cls, area: Area, *, geometry: bool = False) -> AreaOut:
        return cls(id=area.id, code=area.code, name=area.name, level=area.level,
                   level_label=AreaLevel(area.level).label, parent_id=area.parent_id,
                   center_lon=area.center_lon, center_lat=area.center_lat, area_m2=area.area_m2,
                   geometry=json.loads(area.geometry) if geometry and area.geometry else None)


class LocateOut(BaseModel):
    """The unit grid, community and street of a point; ``snapped`` when it lay just outside."""

    lon: float
    lat: float
    grid: AreaRef
    community: AreaRef | None
    street: AreaRef | None
    snapped: bool
    distance_m: float


class DepartmentOut(BaseModel):
    """A department with its duties (职责); street offices carry their street's area id."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    duties: str | None
    phone: str | None
    area_id: int | None

    @classmethod
    def of(cls, dept: Department) -> DepartmentOut:
        return cls.model_validate(dept)
