"""Editing areas and grids on the map (区域网格编辑): redraw, split along a line, merge two grids.

Every edit keeps grids tiling their community: a redrawn or split grid must stay inside its
parent; a merge moves every row that referred to the absorbed grid (cases, accounts, addresses …)
to the grid that remains, found through the foreign keys of the loaded schema (org knows no domain).
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split
from sqlalchemy import Table, UniqueConstraint, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartgov.db import Base
from smartgov.errors import Conflict, NotFound, ValidationFailed
from smartgov.org.geo import bump_version, check_lonlat, parse_geometry, polygonal
from smartgov.org.models import Area, AreaLevel
from smartgov.org.service import upsert_area

TOLERANCE = 1e-6  # degrees (~0.1 m): a redrawn grid may touch its community's edge
SHARED_EDGE = 1e-5  # degrees (~1 m) of common boundary make two grids neighbours (a corner does not)


def _grid(session: Session, grid_id: int) -> Area:
    grid = session.get(Area, grid_id)
    if grid is None or grid.level != AreaLevel.GRID.value:
        raise NotFound("网格不存在")
    return grid


def _shape(geometry: dict[str, Any], what: str) -> BaseGeometry:
    try:
        geom = parse_geometry(geometry)
    except Exception:  # shapely's GEOSException: not a geometry at all
        raise ValidationFailed(f"{what}的图形无效", code="bad_geometry") from None
    if geom.is_empty or not geom.is_valid:
        raise ValidationFailed(f"{what}的图形无效（自相交或为空）", code="bad_geometry")
    check_lonlat(geom)
    return geom


def _inside_parent(grid: Area, geom: BaseGeometry) -> None:
    parent = grid.parent
    if parent is not None and parent.geometry:
        outline = parse_geometry(parent.geometry).buffer(TOLERANCE)
        if not outline.covers(geom):
            raise ValidationFailed(
                f"网格必须位于所属{AreaLevel(parent.level).label}「{parent.name}」之内", code="outside_parent"
            )


def redraw(session: Session, grid_id: int, geometry: dict[str, Any]) -> Area:
    """Give a grid a new outline drawn on the map (重绘网格边界)."""
    grid = _grid(session, grid_id)
    geom = _shape(geometry, "网格")
    if not polygonal(geom):
        raise ValidationFailed("网格边界须为面", code="bad_geometry")
    _inside_parent(grid, geom)
    upsert_area(
        session,
        level=AreaLevel.GRID,
        code=grid.code,
        name=grid.name,
        geometry=geom,
        parent=grid.parent,
        existing=grid,
    )
    grid.revision = (grid.revision or 0) + 1
    session.flush()
    bump_version()
    return grid


def next_code(session: Session, parent: Area | None, base: str) -> str:
    """A free grid code under ``parent``: the parent's code and the next 3-digit sequence."""
    prefix = parent.code if parent is not None else base
    codes = set(session.scalars(select(Area.code).where(Area.code.startswith(prefix))))
    n = 1
    while f"{prefix}{n:03d}" in codes:
        n += 1
    return f"{prefix}{n:03d}"


def split_grid(session: Session, grid_id: int, line: dict[str, Any]) -> tuple[Area, Area]:
    """Split a grid in two along a line drawn across it (拆分网格); the larger part keeps the code."""
    grid = _grid(session, grid_id)
    cut = _shape(line, "分割线")
    if cut.geom_type != "LineString":
        raise ValidationFailed("请画一条穿过网格的线", code="bad_geometry")
    shape = parse_geometry(grid.geometry or "null") if grid.geometry else None
    if shape is None:
        raise ValidationFailed("该网格没有边界，不能拆分", code="no_geometry")
    parts = sorted(split(shape, cut).geoms, key=lambda g: g.area, reverse=True)
    if len(parts) != 2:
        raise ValidationFailed("分割线须完整穿过网格，把它分成两块", code="bad_split")
    keep, new = parts
    upsert_area(
        session,
        level=AreaLevel.GRID,
        code=grid.code,
        name=grid.name,
        geometry=keep,
        parent=grid.parent,
        existing=grid,
    )
    grid.revision = (grid.revision or 0) + 1
    code = next_code(session, grid.parent, grid.code)
    created, _ = upsert_area(
        session,
        level=AreaLevel.GRID,
        code=code,
        name=f"{grid.name}（拆分）",
        geometry=new,
        parent=grid.parent,
        existing=None,
    )
    created.owner_department_id = grid.owner_department_id
    session.flush()
    bump_version()
    return grid, created


def _references(session: Session) -> list[tuple[Table, str]]:
    """Every (table, column) of the loaded schema with a foreign key to area.id."""
    refs = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "area" and fk.column.name == "id":
                refs.append((table, fk.parent.name))
    return refs


def _drop_duplicates(session: Session, table: Table, column: str, keep_id: int, absorb_id: int) -> None:
    """Rows about the absorbed grid that the kept grid already has (an account responsible for
    both grids) would break a unique key once moved: they go, the kept grid's rows stay."""
    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint) or column not in constraint.columns:
            continue
        others = [c for c in constraint.columns if c.name != column]
        twin = table.alias("twin")
        same = [twin.c[c.name] == c for c in others]
        session.execute(delete(table).where(table.c[column] == absorb_id,
                                            exists().where(twin.c[column] == keep_id, *same))
                        .execution_options(synchronize_session=False))


def merge_grids(session: Session, keep_id: int, absorb_id: int) -> Area:
    """Merge two neighbouring grids of one community (合并网格): ``keep`` takes the other's area
    and everything that referred to it; the absorbed grid is removed."""
    keep, absorb = _grid(session, keep_id), _grid(session, absorb_id)
    if keep.id == absorb.id:
        raise ValidationFailed("请选择两个不同的网格", code="same_grid")
    if keep.parent_id != absorb.parent_id:
        raise ValidationFailed("只能合并同一社区内的网格", code="different_parent")
    a, b = parse_geometry(keep.geometry or "null"), parse_geometry(absorb.geometry or "null")
    if a is None or b is None or a.boundary.intersection(b.boundary).length < SHARED_EDGE:
        raise ValidationFailed("只能合并相邻（有公共边）的网格", code="not_adjacent")
    merged = shapely.union_all([a, b]).buffer(0)
    children = session.scalar(select(func.count()).select_from(Area).where(Area.parent_id == absorb.id)) or 0
    if children:
        raise Conflict("被合并的网格下还有区域", code="has_children")
    savepoint = session.begin_nested()
    try:
        for table, column in _references(session):
            if table.name == "area":
                continue
            _drop_duplicates(session, table, column, keep.id, absorb.id)
            session.execute(
                update(table)
                .where(table.c[column] == absorb.id)
                .values({column: keep.id})
                .execution_options(synchronize_session=False)
            )
        upsert_area(
            session,
            level=AreaLevel.GRID,
            code=keep.code,
            name=keep.name,
            geometry=merged,
            parent=keep.parent,
            existing=keep,
        )
        keep.revision = (keep.revision or 0) + 1
        session.delete(absorb)
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        import logging

        logging.getLogger(__name__).info("merge refused: %s", exc.orig)
        raise Conflict(
            "两个网格的关联数据冲突（如同一账号同时负责两个网格），请先调整后再合并", code="merge_conflict"
        ) from None
    savepoint.commit()
    session.expire_all()
    bump_version()
    return session.get(Area, keep_id)  # type: ignore[return-value]
