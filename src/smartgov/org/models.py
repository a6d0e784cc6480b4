"""Departments and areas: 区 district → 街道 street → 社区 community → 单元网格 unit grid."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartgov.db import Base


class AreaLevel(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def label(self) -> str:
        return {"district": "区", "street": "街道", "community": "社区", "grid": "单元网格"}[
            self.value
        ]


class Department(Base):
    """A government department (职能部门 / 承办单位) with its duties (职责)."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    duties: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    # A street office (街道办事处) is a department tied to its street area (属地兜底).
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", use_alter=True))


class Area(Base):
    """An administrative area or unit grid; code is a string ("SQ-3-2" or 15 digits); polygon as GeoJSON."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    geometry: Mapped[str | None] = mapped_column(Text)  # GeoJSON geometry, WGS84 lon/lat
    center_lon: Mapped[float | None] = mapped_column(Float)
    center_lat: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    # The responsible owner of a unit grid (责任人); when unknown, the street is responsible.
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # Bumped whenever code, level, parent or geometry change; cached grid locators compare it.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    parent: Mapped[Area | None] = relationship(remote_side="Area.id", lazy="joined", join_depth=3)
