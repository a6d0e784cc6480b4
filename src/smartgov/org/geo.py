"""Geometry of areas and point → grid lookup (网格定位) with a shapely 2 STRtree.

Coordinates are WGS84 lon/lat. Distances and areas use a local equirectangular
projection around the district (accurate to well under 1 % over a city district),
so no projection library is needed.
"""

from __future__ import annotations

import json
import math
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, aliased

from smartgov.config import get_settings
from smartgov.errors import AppError, ValidationFailed
from smartgov.org.models import Area, AreaLevel

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi / 180.0 * EARTH_RADIUS_M


class OutsideJurisdiction(AppError):
    """The point is outside every unit grid and farther than the fallback distance (不在本辖区)."""

    status_code = 422
    code = "outside_jurisdiction"


# --- geometry helpers -------------------------------------------------------------------------


def parse_geometry(geojson: str | dict[str, Any]) -> BaseGeometry:
    """A shapely geometry from GeoJSON text or a GeoJSON geometry mapping."""
    text = geojson if isinstance(geojson, str) else json.dumps(geojson)
    return shapely.from_geojson(text)


def to_geojson(geom: BaseGeometry) -> str:
    """GeoJSON text of a geometry (what ``Area.geometry`` stores)."""
    return shapely.to_geojson(geom)


def check_lonlat(geom: BaseGeometry) -> None:
    """Refuse coordinates that are not WGS84 lon/lat (e.g. projected metres)."""
    min_x, min_y, max_x, max_y = geom.bounds
    if not (-180.0 <= min_x <= max_x <= 180.0 and -90.0 <= min_y <= max_y <= 90.0):
        raise ValidationFailed(
            f"坐标超出经纬度范围 {geom.bounds}: 请使用 WGS84 经纬度 (lon/lat)",
            code="bad_coordinates")


def polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """The polygonal part of ``geom``, repaired when invalid; None when no area is left."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in _polygon_parts(geom) if p.area > 0]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, Polygon | MultiPolygon) else MultiPolygon(parts)


def _polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygon_parts(g)]
    return []


def area_m2(geom: BaseGeometry) -> float:
    """Area in m² (equirectangular, equal-area at the centroid latitude)."""
    if geom.is_empty:
        return 0.0
    lat0 = geom.centroid.y
    return float(geom.area * METRES_PER_DEGREE**2 * math.cos(math.radians(lat0)))


def center_point(geom: BaseGeometry) -> Point:
    """The centroid, or a point on the surface when the centroid falls outside (concave shapes)."""
    centroid = geom.centroid
    return centroid if geom.covers(centroid) else geom.point_on_surface()


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection to metres around (lon0, lat0)."""

    lon0: float
    lat0: float

    @property
    def kx(self) -> float:
        return METRES_PER_DEGREE * math.cos(math.radians(self.lat0))

    def forward(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        return (np.asarray(lon, dtype=float) - self.lon0) * self.kx, \
            (np.asarray(lat, dtype=float) - self.lat0) * METRES_PER_DEGREE

    def inverse(self, x: Any, y: Any) -> tuple[Any, Any]:
        return np.asarray(x) / self.kx + self.lon0, np.asarray(y) / METRES_PER_DEGREE + self.lat0

    def geometries(self, geoms: Sequence[BaseGeometry]) -> np.ndarray:
        scale = np.array([self.kx, METRES_PER_DEGREE])
        shift = np.array([self.lon0, self.lat0])
        return shapely.transform(np.asarray(geoms, dtype=object), lambda c: (c - shift) * scale)


# --- point → grid ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridInfo:
    """A unit grid and the ids of its community and street (for the result, not the geometry)."""

    id: int
    code: str
    name: str
    community_id: int | None
    street_id: int | None


@dataclass(frozen=True)
class LocateResult:
    """Where a point falls: its grid, community and street; ``snapped`` when outside but near."""

    grid_id: int
    grid_code: str
    community_id: int | None
    street_id: int | None
    distance_m: float
    snapped: bool


@dataclass(frozen=True)
class BulkLocateResult:
    """Vectorised lookups: ``index`` into ``GridLocator.grids`` (−1 = outside and too far)."""

    index: np.ndarray
    distance_m: np.ndarray
    snapped: np.ndarray

    @property
    def found(self) -> np.ndarray:
        return self.index >= 0


class GridLocator:
    """Point → unit grid through an STRtree of the grids in local metres."""

    def __init__(self, grids: Sequence[GridInfo], geometries: Sequence[BaseGeometry],
                 fallback_m: float | None = None) -> None:
        if len(grids) != len(geometries):
            raise ValueError("one geometry per grid")
        self.grids: tuple[GridInfo, ...] = tuple(grids)
        self._fallback_m = fallback_m
        self.codes = np.array([g.code for g in self.grids], dtype=object)
        self.ids = np.array([g.id for g in self.grids], dtype=np.int64)
        if self.grids:
            lonlat = np.asarray(geometries, dtype=object)
            min_x, min_y, max_x, max_y = shapely.total_bounds(lonlat)
            self.bounds = (float(min_x), float(min_y), float(max_x), float(max_y))
            self.projection = LocalProjection((min_x + max_x) / 2, (min_y + max_y) / 2)
            projected = self.projection.geometries(lonlat)
            shapely.prepare(projected)
        else:
            self.bounds = (0.0, 0.0, 0.0, 0.0)
            self.projection = LocalProjection(0.0, 0.0)
            projected = np.array([], dtype=object)
        self.geometries = projected
        self._tree = STRtree(projected)
        self._cells: _CellRaster | None = None  # built on the first bulk lookup

    def __len__(self) -> int:
        return len(self.grids)

    @property
    def fallback_m(self) -> float:
        return self._fallback_m if self._fallback_m is not None else get_settings().grid_fallback_m

    @classmethod
    def from_session(cls, session: Session, fallback_m: float | None = None) -> GridLocator:
        """Build from the grid Areas (with geometry) in the database."""
        community = aliased(Area)
        rows = session.execute(
            select(Area.id, Area.code, Area.name, Area.parent_id, Area.geometry,
                   community.level, community.parent_id)
            .outerjoin(community, community.id == Area.parent_id)
            .where(Area.level == AreaLevel.GRID.value, Area.geometry.is_not(None))
            .order_by(Area.id)
        ).all()
        grids: list[GridInfo] = []
        for grid_id, code, name, parent_id, _geometry, parent_level, grandparent_id in rows:
            community_id, street_id = parent_id, grandparent_id
            if parent_level == AreaLevel.STREET.value:  # a grid hung directly under its street
                community_id, street_id = None, parent_id
            grids.append(GridInfo(grid_id, code, name, community_id, street_id))
        geometries = shapely.from_geojson(np.array([r[4] for r in rows], dtype=object))
        return cls(grids, list(geometries), fallback_m=fallback_m)

    def locate(self, lon: float, lat: float) -> LocateResult:
        """The grid containing (lon, lat); else the nearest within the fallback distance."""
        _check_point(lon, lat)
        x, y = self.projection.forward(lon, lat)
        point = Point(float(x), float(y))
        hits = self._tree.query(point, predicate="intersects")
        if len(hits):
            return self._result(int(hits.min()), 0.0, snapped=False)
        if len(self):
            _, near, dist = self._nearest_within(np.array([point], dtype=object))
            if len(near):
                return self._result(int(near[0]), float(dist[0]), snapped=True)
        raise OutsideJurisdiction(
            f"该位置不在本辖区范围内 ({lon:.6f}, {lat:.6f})：距最近的单元网格超过 "
            f"{self.fallback_m:.0f} 米", details={"lon": lon, "lat": lat,
                                                "fallback_m": self.fallback_m})

    def locate_many(self, lons: Any, lats: Any) -> BulkLocateResult:
        """Vectorised lookup of many points; misses snap within the fallback distance or get −1.

        Same answers as ``locate`` point by point. For large batches a lookup raster (built
        once) answers points in cells lying wholly inside one grid by array indexing; the rest
        go through the STRtree.
        """
        x, y = self.projection.forward(np.atleast_1d(lons), np.atleast_1d(lats))
        n = len(x)
        index = np.full(n, -1, dtype=np.int64)
        distance = np.zeros(n, dtype=float)
        snapped = np.zeros(n, dtype=bool)
        if not len(self) or not n:
            return BulkLocateResult(index=index, distance_m=distance, snapped=snapped)
        label = (self._raster().lookup(x, y) if n >= RASTER_MIN_POINTS
                 else np.full(n, _MIXED, dtype=np.int64))
        index[label >= 0] = label[label >= 0]
        mixed = np.flatnonzero(label == _MIXED)
        if len(mixed):
            points = shapely.points(x[mixed], y[mixed])
            inputs, tree_idx = self._tree.query(points, predicate="intersects")
            first = np.full(len(mixed), _NONE, dtype=np.int64)
            np.minimum.at(first, inputs, tree_idx)
            hit = first != _NONE
            index[mixed[hit]] = first[hit]
        todo = np.flatnonzero(index < 0)
        if len(todo):
            inputs, tree_idx, dist = self._nearest_within(shapely.points(x[todo], y[todo]))
            index[todo[inputs]] = tree_idx
            distance[todo[inputs]] = np.round(dist, 2)
            snapped[todo[inputs]] = True
        return BulkLocateResult(index=index, distance_m=distance, snapped=snapped)

    def _nearest_within(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point index, grid index, metres) of the nearest grid within the fallback distance."""
        inputs, tree_idx = self._tree.query(points, predicate="dwithin", distance=self.fallback_m)
        dist = shapely.distance(self.geometries[tree_idx], points[inputs])
        order = np.lexsort((tree_idx, dist, inputs))
        _, first = np.unique(inputs[order], return_index=True)
        chosen = order[first]
        return inputs[chosen], tree_idx[chosen], dist[chosen]

    def _raster(self) -> _CellRaster:
        if self._cells is None:
            self._cells = _CellRaster.build(self.geometries)
        return self._cells

    def _result(self, i: int, dist: float, *, snapped: bool) -> LocateResult:
        grid = self.grids[i]
        return LocateResult(grid_id=grid.id, grid_code=grid.code, community_id=grid.community_id,
                            street_id=grid.street_id, distance_m=round(dist, 2), snapped=snapped)


RASTER_MIN_POINTS = 1000
_NONE = np.iinfo(np.int64).max
_EMPTY = -1  # the cell touches no grid
_MIXED = -2  # the cell touches a grid boundary (or several grids): test exactly


@dataclass(frozen=True)
class _CellRaster:
    """A lookup raster over the grids (metres): per cell the one grid containing it, or a flag."""

    min_x: float
    min_y: float
    size: float
    nx: int
    ny: int
    labels: np.ndarray  # int64, nx * ny, row-major by y

    MAX_CELLS = 1 << 18

    @classmethod
    def build(cls, geometries: np.ndarray) -> _CellRaster:
        min_x, min_y, max_x, max_y = shapely.total_bounds(geometries)
        size = max(5.0, math.sqrt((max_x - min_x) * (max_y - min_y) / cls.MAX_CELLS))
        nx = max(1, math.ceil((max_x - min_x) / size))
        ny = max(1, math.ceil((max_y - min_y) / size))
        touches = np.zeros(nx * ny, dtype=np.int32)
        owner = np.full(nx * ny, _MIXED, dtype=np.int64)
        bounds = shapely.bounds(geometries)
        for i, geom in enumerate(geometries):
            gx0, gy0, gx1, gy1 = bounds[i]
            ix = np.arange(int((gx0 - min_x) // size), min(nx, int((gx1 - min_x) // size) + 1))
            iy = np.arange(int((gy0 - min_y) // size), min(ny, int((gy1 - min_y) // size) + 1))
            cx, cy = np.meshgrid(ix, iy)
            cx, cy = cx.ravel(), cy.ravel()
            boxes = shapely.box(min_x + cx * size, min_y + cy * size,
                                min_x + (cx + 1) * size, min_y + (cy + 1) * size)
            cell = cy * nx + cx
            touched = shapely.intersects(geom, boxes)
            touches[cell[touched]] += 1
            inside = cell[shapely.contains_properly(geom, boxes)]
            owner[inside] = i
        labels = np.where(touches == 0, _EMPTY, np.where(touches == 1, owner, _MIXED))
        return cls(float(min_x), float(min_y), float(size), nx, ny, labels)

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per point: the grid index, _EMPTY (outside every grid) or _MIXED (test exactly)."""
        fx = np.floor((x - self.min_x) / self.size)
        fy = np.floor((y - self.min_y) / self.size)
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        result = np.full(len(x), _EMPTY, dtype=np.int64)
        cells = fy[inside].astype(np.int64) * self.nx + fx[inside].astype(np.int64)
        result[inside] = self.labels[cells]
        return result


def _check_point(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(f"坐标无效: ({lon}, {lat}); 请使用 WGS84 经纬度",
                               code="bad_coordinates")


# --- the process-wide locator ---------------------------------------------------------------

_lock = threading.Lock()
_local_version = 0
_checked_at: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()
_cache: weakref.WeakKeyDictionary[Engine, tuple[tuple[int, ...], GridLocator]] = \
    weakref.WeakKeyDictionary()


def recheck_signature() -> None:
    """Make the next get_locator call compare the database signature (areas were edited)."""
    with _lock:
        _checked_at.clear()


def bump_version() -> None:
    """Mark every cached locator of this process stale (called after imports)."""
    global _local_version
    with _lock:
        _local_version += 1


def grid_signature(session: Session,
                   levels: Sequence[AreaLevel] = (AreaLevel.GRID,)) -> tuple[int, ...]:
    """Changes whenever areas of ``levels`` are added, removed, moved or renamed.

    (process version, count, max id, sum of revisions): cheap enough to check per request.
    """
    count, max_id, revisions = session.execute(
        select(func.count(Area.id), func.coalesce(func.max(Area.id), 0),
               func.coalesce(func.sum(Area.revision), 0))
        .where(Area.level.in_([level.value for level in levels]))).one()
    return (_local_version, int(count), int(max_id), int(revisions))


SIGNATURE_RECHECK_S = 5.0  # other processes' grid edits are seen within this time


def get_locator(session: Session) -> GridLocator:
    """The cached locator for this session's database, rebuilt when the grids changed.

    This process's own edits are seen at once (bump_version); the database signature, which
    catches other processes' edits, is checked at most every few seconds (a query per report
    otherwise)."""
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)
    with _lock:
        cached = _cache.get(engine)
        checked = _checked_at.get(engine, 0.0)
    if (cached is not None and cached[0][0] == _local_version
            and time.monotonic() - checked < SIGNATURE_RECHECK_S):
        return cached[1]
    signature = grid_signature(session)
    with _lock:
        _checked_at[engine] = time.monotonic()
    if cached is not None and cached[0] == signature:
        return cached[1]
    locator = GridLocator.from_session(session)
    with _lock:
        _cache[engine] = (signature, locator)
    return locator


def locate(session: Session, lon: float, lat: float) -> LocateResult:
    """Shortcut: the grid, community and street of a point (raises OutsideJurisdiction)."""
    return get_locator(session).locate(lon, lat)
