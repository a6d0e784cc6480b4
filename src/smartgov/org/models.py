"""Departments and areas: 区 district → 街道 street → 社区 community → 单元网格 unit grid."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartgov.db import AwareDateTime, Base


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


class MapBaseFeature(Base):
    """A feature of the offline base map (离线底图): a road or a water body drawn under the grids."""

    __tablename__ = "map_base_feature"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # road, water
    name: Mapped[str] = mapped_column(String(100))
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry, WGS84


class MapAnnotation(Base):
    """An annotation an inspector or community staff draws in their grid (地图标注): point, line or
    polygon with a kind (宿舍, 重点场所, 积水点 …) and a note; others in the same area see it."""

    __tablename__ = "map_annotation"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry, WGS84
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class PatrolPoint(Base):
    """One GPS point of an inspector's patrol (巡查轨迹点); a point sent twice is kept once."""

    __tablename__ = "patrol_point"
    __table_args__ = (UniqueConstraint("user_id", "at", name="uq_patrol_point_user_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(AwareDateTime())
