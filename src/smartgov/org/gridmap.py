"""The grid map (网格化地图): map layers that domains register, the offline base map, annotations
inspectors draw in their grids, and patrol tracks with the coverage of each grid.

Plain functions on ids and area sets (no accounts here: org imports no auth); the pages and API
that check roles live with the domains that show the map.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.db import now
from smartgov.errors import Forbidden, NotFound, ValidationFailed
from smartgov.org.geo import OutsideJurisdiction, check_lonlat, get_locator, parse_geometry
from smartgov.org.models import Area, MapAnnotation, MapBaseFeature, PatrolPoint

ANNOTATION_KINDS = ("宿舍", "重点场所", "积水点", "繁华地段", "施工点", "其他")
GEOMETRY_TYPES = {"Point": "点", "LineString": "线", "Polygon": "面"}
PATROL_GAP = timedelta(minutes=5)  # a longer silence starts a new track segment (轨迹中断)
MAX_BATCH = 500  # points one upload may carry
MAX_POINT_AGE = timedelta(days=7)  # a phone offline longer than this sends points we refuse


@dataclass(frozen=True)
class MapScope:
    """Who looks at the map: the account and the areas it is scoped to; without areas, the whole
    district when ``whole_district`` (a command-centre role), else nothing."""

    user_id: int | None
    area_ids: frozenset[int] = frozenset()
    whole_district: bool = True

    @property
    def restricted(self) -> bool:
        """Whether queries must keep to ``area_ids`` (possibly none)."""
        return bool(self.area_ids) or not self.whole_district

    def sees(self, area_id: int | None) -> bool:
        if not self.restricted:
            return True
        return area_id is not None and area_id in self.area_ids


LayerProvider = Callable[[Session, MapScope], dict[str, Any]]


@dataclass(frozen=True)
class Layer:
    """A switchable layer of the grid map (图层): its key, the label a person reads, its data."""

    key: str
    label: str
    provider: LayerProvider
    order: int = 50


LAYERS: dict[str, Layer] = {}


def register_layer(key: str, label: str, provider: LayerProvider, *, order: int = 50) -> None:
    """A domain adds a layer (houses, population density, cases, devices …) without org knowing it."""
    LAYERS[key] = Layer(key, label, provider, order)


def layers() -> list[Layer]:
    return sorted(LAYERS.values(), key=lambda layer: layer.order)


def layer_data(session: Session, key: str, scope: MapScope) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of one layer as this scope may see it."""
    layer = LAYERS.get(key)
    if layer is None:
        raise NotFound("没有这个图层 (unknown layer)")
    return layer.provider(session, scope)


def _collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


# ---------------------------------------------------------------- offline base map (离线底图)


def base_map(session: Session) -> dict[str, Any]:
    """Roads and water of the offline base map as GeoJSON (drawn when no tile server is set)."""
    return _collection(
        {
            "type": "Feature",
            "geometry": json.loads(f.geometry),
            "properties": {"kind": f.kind, "name": f.name},
        }
        for f in session.scalars(select(MapBaseFeature).order_by(MapBaseFeature.id))
    )


def replace_base_map(session: Session, features: Iterable[tuple[str, str, Any]]) -> int:
    """Replace the base map with (kind, name, shapely geometry) features; returns how many."""
    session.execute(MapBaseFeature.__table__.delete())
    count = 0
    for kind, name, geom in features:
        session.add(MapBaseFeature(kind=kind, name=name, geometry=shapely.to_geojson(geom)))
        count += 1
    return count


# ---------------------------------------------------------------- annotations (标注)


def add_annotation(
    session: Session, scope: MapScope, *, author: str, kind: str, note: str, geometry: dict[str, Any]
) -> MapAnnotation:
    """Draw an annotation in one of the scope's grids (located by its representative point)."""
    if kind not in ANNOTATION_KINDS:
        raise ValidationFailed(f"标注类型应为：{'、'.join(ANNOTATION_KINDS)}", code="bad_annotation_kind")
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        raise ValidationFailed("标注须为点、线或面 (GeoJSON Point/LineString/Polygon)", code="bad_geometry")
    try:
        geom = parse_geometry(geometry)
    except Exception:  # shapely's GEOSException and friends: a malformed geometry
        raise ValidationFailed("标注的几何图形无效", code="bad_geometry") from None
    if geom.is_empty or not geom.is_valid:
        raise ValidationFailed("标注的几何图形无效", code="bad_geometry")
    check_lonlat(geom)
    point = geom.representative_point()
    try:
        grid_id = get_locator(session).locate(point.x, point.y).grid_id
    except OutsideJurisdiction:
        raise ValidationFailed("标注不在本辖区的网格内", code="outside_jurisdiction") from None
    if not scope.sees(grid_id):
        raise Forbidden("只能在自己负责的网格内标注")
    annotation = MapAnnotation(
        grid_id=grid_id,
        kind=kind,
        note=note.strip()[:500],
        geometry=shapely.to_geojson(geom),
        created_by_id=scope.user_id,
        created_by_name=author[:100],
        created_at=now(),
    )
    session.add(annotation)
    session.flush()
    return annotation


def remove_annotation(session: Session, scope: MapScope, annotation_id: int) -> MapAnnotation:
    """Remove one's own annotation (kept, marked removed)."""
    annotation = session.get(MapAnnotation, annotation_id)
    if annotation is None or annotation.removed_at is not None or not scope.sees(annotation.grid_id):
        raise NotFound("标注不存在")
    if annotation.created_by_id != scope.user_id:
        raise Forbidden("只能删除自己的标注")
    annotation.removed_at = now()
    return annotation


def annotations(session: Session, scope: MapScope, *, kind: str | None = None) -> dict[str, Any]:
    """The annotations in the scope's areas as GeoJSON (others in the same area see them)."""
    query = select(MapAnnotation).where(MapAnnotation.removed_at.is_(None))
    if scope.restricted:
        query = query.where(MapAnnotation.grid_id.in_(scope.area_ids))
    if kind:
        query = query.where(MapAnnotation.kind == kind)
    codes = dict(session.execute(select(Area.id, Area.code).where(Area.level == "grid")).all())
    return _collection(
        {
            "type": "Feature",
            "geometry": json.loads(a.geometry),
            "properties": {
                "id": a.id,
                "kind": a.kind,
                "note": a.note,
                "grid": codes.get(a.grid_id),
                "author": a.created_by_name,
                "mine": a.created_by_id == scope.user_id,
                "at": a.created_at.isoformat(),
            },
        }
        for a in session.scalars(query.order_by(MapAnnotation.id))
    )


# ---------------------------------------------------------------- patrol (巡查)


@dataclass
class PatrolUpload:
    """What one batch of GPS points did: kept, already had (sent twice), refused."""

    kept: int = 0
    duplicates: int = 0
    refused: int = 0


def record_points(
    session: Session,
    user_id: int,
    points: Iterable[tuple[datetime, float, float, float | None]],
) -> PatrolUpload:
    """Keep a batch of GPS points of a patrol; a phone that was offline sends its backlog later,
    so points are keyed by time and a point sent twice is kept once. The caller commits."""
    received = now()
    result = PatrolUpload()
    given = list(points)
    rows = sorted((p for p in given if p[0].tzinfo is not None), key=lambda p: p[0])
    result.refused = len(given) - len(rows)  # a time without its zone cannot be placed
    if len(given) > MAX_BATCH:
        raise ValidationFailed(f"一次最多上传 {MAX_BATCH} 个轨迹点", code="batch_too_large")
    if not rows:
        return result
    known = set(
        session.scalars(
            select(PatrolPoint.at).where(
                PatrolPoint.user_id == user_id, PatrolPoint.at >= rows[0][0], PatrolPoint.at <= rows[-1][0]
            )
        )
    )
    locator = get_locator(session)
    for at, lon, lat, accuracy in rows:
        if (
            at.tzinfo is None
            or at > received + timedelta(minutes=5)
            or at < received - MAX_POINT_AGE
            or not (-180 <= lon <= 180 and -90 <= lat <= 90)
        ):
            result.refused += 1
            continue
        if at in known:
            result.duplicates += 1
            continue
        known.add(at)
        try:
            grid_id: int | None = locator.locate(lon, lat).grid_id
        except OutsideJurisdiction:
            grid_id = None
        session.add(
            PatrolPoint(
                user_id=user_id,
                at=at,
                lon=lon,
                lat=lat,
                accuracy_m=accuracy,
                grid_id=grid_id,
                received_at=received,
            )
        )
        result.kept += 1
    session.flush()
    return result


def _day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=get_settings().tz)
    return start, start + timedelta(days=1)


def tracks(session: Session, user_id: int, day: date) -> dict[str, Any]:
    """One person's patrol of one day as lines, split where the phone fell silent (轨迹)."""
    start, end = _day_range(day)
    points = session.execute(
        select(PatrolPoint.at, PatrolPoint.lon, PatrolPoint.lat)
        .where(PatrolPoint.user_id == user_id, PatrolPoint.at >= start, PatrolPoint.at < end)
        .order_by(PatrolPoint.at)
    ).all()
    segments: list[list[tuple[datetime, float, float]]] = []
    for at, lon, lat in points:
        if not segments or at - segments[-1][-1][0] > PATROL_GAP:
            segments.append([])
        segments[-1].append((at, lon, lat))
    features = []
    for seg in segments:
        coords = [[lon, lat] for _, lon, lat in seg]
        geometry = (
            {"type": "LineString", "coordinates": coords}
            if len(coords) > 1
            else {"type": "Point", "coordinates": coords[0]}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "user_id": user_id,
                    "start": seg[0][0].isoformat(),
                    "end": seg[-1][0].isoformat(),
                    "points": len(seg),
                },
            }
        )
    return _collection(features)


def coverage(
    session: Session,
    user_id: int,
    grid_ids: Iterable[int],
    first: date,
    last: date,
) -> list[dict[str, Any]]:
    """Per day from ``first`` to ``last``: how many of the given grids the person's patrol touched
    (巡查覆盖率), with the grids visited."""
    grids = set(grid_ids)
    start, _ = _day_range(first)
    _, end = _day_range(last)
    visited: dict[date, set[int]] = {}
    tz = get_settings().tz
    for at, grid_id in session.execute(
        select(PatrolPoint.at, PatrolPoint.grid_id).where(
            PatrolPoint.user_id == user_id,
            PatrolPoint.at >= start,
            PatrolPoint.at < end,
            PatrolPoint.grid_id.is_not(None),
        )
    ):
        if grid_id in grids:
            visited.setdefault(at.astimezone(tz).date(), set()).add(grid_id)
    out = []
    day = first
    while day <= last:
        seen = visited.get(day, set())
        out.append(
            {
                "day": day.isoformat(),
                "visited": len(seen),
                "total": len(grids),
                "share": round(len(seen) / len(grids), 3) if grids else 0.0,
                "grid_ids": sorted(seen),
            }
        )
        day += timedelta(days=1)
    return out


def week_coverage(session: Session, user_id: int, grid_ids: Iterable[int], day: date) -> dict[str, Any]:
    """The week (Monday to ``day``) as one figure: grids touched at least once in the week."""
    grids = set(grid_ids)
    monday = day - timedelta(days=day.weekday())
    touched: set[int] = set()
    for entry in coverage(session, user_id, grids, monday, day):
        touched.update(entry["grid_ids"])
    return {
        "from": monday.isoformat(),
        "to": day.isoformat(),
        "visited": len(touched),
        "total": len(grids),
        "share": round(len(touched) / len(grids), 3) if grids else 0.0,
    }


def grid_ids_in(session: Session, area_ids: Iterable[int]) -> list[int]:
    """The unit grids among an account's (expanded) areas; all grids when it has none."""
    query = select(Area.id).where(Area.level == "grid")
    ids = set(area_ids)
    if ids:
        query = query.where(Area.id.in_(ids))
    return list(session.scalars(query.order_by(Area.code)))
