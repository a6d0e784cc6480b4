"""JSON API of areas, grids and departments: public reads (no personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from smartgov.db import get_session
from smartgov.org import service
from smartgov.org.models import AreaLevel
from smartgov.org.schemas import AreaOut, AreaRef, DepartmentOut, LocateOut
from smartgov.params import Id, Offset

router = APIRouter(prefix="/api/v1/org", tags=["org"])

GEOJSON_MAX_AGE_S = 300


@router.get("/locate", response_model=LocateOut)
def locate(lon: float = Query(..., ge=-180, le=180, description="经度 (WGS84)"),
           lat: float = Query(..., ge=-90, le=90, description="纬度 (WGS84)"),
           session: Session = Depends(get_session)) -> LocateOut:
    """The unit grid, community and street of a point (网格定位); 422 outside_jurisdiction."""
    found = service.locate_point(session, lon, lat)
    grid = AreaRef(id=found.grid.id, code=found.grid.code, name=found.grid.name)
    return LocateOut(lon=lon, lat=lat, grid=grid,
                     community=AreaRef.of(found.community), street=AreaRef.of(found.street),
                     snapped=found.result.snapped, distance_m=found.result.distance_m)


@router.get("/areas", response_model=list[AreaOut])
def list_areas(level: AreaLevel | None = Query(None, description="district/street/community/grid"),
               parent: Id | None = Query(None, description="上级区域 id"),
               parent_code: str | None = Query(None, description="上级区域编码"),
               geometry: bool = Query(False, description="包含 GeoJSON 几何"),
               limit: int = Query(1000, ge=1, le=10000), offset: Offset = 0,
               session: Session = Depends(get_session)) -> list[AreaOut]:
    """Areas of one level and/or under one parent, ordered by code."""
    if parent_code is not None:
        parent = service.get_area_by_code(session, parent_code).id
    areas = service.list_areas(session, level=level, parent_id=parent, limit=limit, offset=offset)
    return [AreaOut.of(a, geometry=geometry) for a in areas]


@router.get("/areas/{area_id}", response_model=AreaOut)
def get_area(area_id: Id, session: Session = Depends(get_session)) -> AreaOut:
    """One area with its geometry."""
    return AreaOut.of(service.get_area(session, area_id), geometry=True)


@router.get("/grids.geojson", response_class=Response,
            responses={200: {"content": {"application/geo+json": {}}}})
def grids_geojson(request: Request, session: Session = Depends(get_session)) -> Response:
    """Every unit grid as a GeoJSON FeatureCollection (for the maps); cacheable with an ETag."""
    etag, body = service.grids_geojson(session)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={GEOJSON_MAX_AGE_S}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/geo+json", headers=headers)


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(session: Session = Depends(get_session)) -> list[DepartmentOut]:
    """Departments with their duties (职责), ordered by code."""
    return [DepartmentOut.of(d) for d in service.list_departments(session)]


@router.get("/basemap.geojson", response_class=Response,
            responses={200: {"content": {"application/geo+json": {}}}})
def basemap_geojson(session: Session = Depends(get_session)) -> Response:
    """The offline base map (离线底图: roads, water) drawn under the grids when no tile server is set."""
    import json

    from smartgov.org.gridmap import base_map

    return Response(json.dumps(base_map(session), ensure_ascii=False), media_type="application/geo+json",
                    headers={"Cache-Control": f"public, max-age={GEOJSON_MAX_AGE_S}"})
