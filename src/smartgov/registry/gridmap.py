"""网格化地图 pages and API: switchable layers (grids, houses and rental houses, population density,
key places, annotations), annotations in one's own grids, patrol tracks and grid coverage.

The map data and rules are org's (``smartgov.org.gridmap``); this module adds the registry layers
and the role checks (org imports no auth)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.menu import menu_entry
from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session, now
from smartgov.errors import Forbidden, ValidationFailed
from smartgov.org import gridmap
from smartgov.org.models import Area
from smartgov.org.service import grids_feature_collection
from smartgov.params import Id
from smartgov.registry.models import House, Person, RegAddress, Tenancy
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["gridmap"])
MAP_ROLES = (
    Role.INSPECTOR,
    Role.HANDLER,
    Role.DISPATCHER,
    Role.DUTY_CHIEF,
    Role.SUPERVISOR,
    Role.LEADER,
    Role.SYSTEM_ADMIN,
)
VIEWERS = menu_entry("/gridmap", "网格地图", 55, *MAP_ROLES)
PATROLLERS = menu_entry("/patrol", "巡查", 35, Role.INSPECTOR)
MAX_GEOJSON = 20 * 1024 * 1024
TRACK_READERS = (Role.SUPERVISOR, Role.LEADER, Role.DUTY_CHIEF, Role.DISPATCHER)

audit.register_labels(
    {
        "map.annotation_added": "添加地图标注",
        "map.annotation_removed": "删除地图标注",
        "map.patrol_uploaded": "上传巡查轨迹",
    },
    fields={"kind": "类型", "kept": "保存点数", "duplicates": "重复点数", "refused": "拒收点数"},
    objects={"map_annotation": "地图标注"},
)


def scope_of(principal: Principal) -> gridmap.MapScope:
    """The map of the principal's own areas; the whole district only for command-centre roles."""
    return gridmap.MapScope(principal.user_id, frozenset(principal.area_ids),
                            whole_district=principal.sees_all_departments)


# ---------------------------------------------------------------- layers of the registries


def _grids_layer(session: Session, scope: gridmap.MapScope) -> dict[str, Any]:
    return grids_feature_collection(session)


def _annotation_layer(session: Session, scope: gridmap.MapScope) -> dict[str, Any]:
    return gridmap.annotations(session, scope)


def _key_places(session: Session, scope: gridmap.MapScope) -> dict[str, Any]:
    return gridmap.annotations(session, scope, kind="重点场所")


def _houses_layer(session: Session, scope: gridmap.MapScope) -> dict[str, Any]:
    """Houses as points (出租屋 highlighted) with their type and the number of current tenants."""
    tenants = dict(
        session.execute(
            select(Tenancy.house_id, func.count())
            .where(Tenancy.moved_out.is_(None))
            .group_by(Tenancy.house_id)
        ).all()
    )
    query = (
        select(
            House.id,
            House.house_type,
            House.is_rental,
            RegAddress.full_text,
            RegAddress.lon,
            RegAddress.lat,
            RegAddress.grid_id,
        )
        .join(RegAddress, RegAddress.id == House.address_id)
        .where(RegAddress.lon.is_not(None))
    )
    if scope.restricted:
        query = query.where(RegAddress.grid_id.in_(scope.area_ids))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": hid,
                    "type": kind,
                    "rental": rental,
                    "address": text,
                    "tenants": tenants.get(hid, 0),
                },
            }
            for hid, kind, rental, text, lon, lat, _grid in session.execute(query)
        ],
    }


def _population_layer(session: Session, scope: gridmap.MapScope) -> dict[str, Any]:
    """Persons living in each grid (人口密度) on the grid polygons, with residents per hectare."""
    counts = dict(
        session.execute(
            select(RegAddress.grid_id, func.count(Person.id))
            .join(Person, Person.current_address_id == RegAddress.id)
            .group_by(RegAddress.grid_id)
        ).all()
    )
    grids = grids_feature_collection(session)
    features = []
    for feature in grids["features"]:
        grid_id = feature["properties"]["id"]
        if not scope.sees(grid_id):
            continue
        n = counts.get(grid_id, 0)
        hectares = (feature["properties"]["area_m2"] or 0) / 10_000
        features.append(
            {
                **feature,
                "properties": {
                    **feature["properties"],
                    "persons": n,
                    "density": round(n / hectares, 1) if hectares else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


gridmap.register_layer("grids", "单元网格", _grids_layer, order=10)
gridmap.register_layer("population", "人口密度", _population_layer, order=20)
gridmap.register_layer("houses", "房屋（出租屋突出显示）", _houses_layer, order=30)
gridmap.register_layer("key_places", "重点场所", _key_places, order=40)
gridmap.register_layer("annotations", "标注", _annotation_layer, order=50)


# ---------------------------------------------------------------- API


class AnnotationIn(BaseModel):
    kind: str = Field(max_length=16)
    note: str = Field("", max_length=500)
    geometry: dict[str, Any]


class PointIn(BaseModel):
    at: datetime
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy: float | None = Field(None, ge=0, le=100_000)


class PointsIn(BaseModel):
    points: list[PointIn] = Field(max_length=gridmap.MAX_BATCH)


@api.get("/map/layers")
def list_layers(principal: Principal = Depends(VIEWERS)) -> list[dict[str, str]]:
    """The switchable layers of the grid map."""
    return [{"key": layer.key, "label": layer.label} for layer in gridmap.layers()]


@api.get("/map/layers/{key}")
def layer(
    key: str, session: Session = Depends(get_session), principal: Principal = Depends(VIEWERS)
) -> dict[str, Any]:
    """One layer as GeoJSON, limited to the account's areas."""
    return gridmap.layer_data(session, key[:32], scope_of(principal))


def _may_annotate(principal: Principal) -> None:
    if not (principal.has_any(Role.INSPECTOR) or (principal.has_any(Role.HANDLER) and principal.area_ids)):
        raise Forbidden("只有网格监督员和社区（街道）工作人员可以在自己的网格内标注")


@api.post("/map/annotations", status_code=201)
def add_annotation(
    data: AnnotationIn, session: Session = Depends(get_session), principal: Principal = Depends(VIEWERS)
) -> dict[str, Any]:
    """Draw a point, line or polygon with a kind and note in one of my grids (标注)."""
    _may_annotate(principal)
    item = gridmap.add_annotation(
        session,
        scope_of(principal),
        author=principal.display_name,
        kind=data.kind,
        note=data.note,
        geometry=data.geometry,
    )
    audit.record(
        session,
        principal=principal,
        action="map.annotation_added",
        object_type="map_annotation",
        object_id=item.id,
        detail={"kind": item.kind},
    )
    session.commit()
    return {"id": item.id, "grid_id": item.grid_id, "kind": item.kind}


@api.delete("/map/annotations/{annotation_id}", status_code=204)
def remove_annotation(
    annotation_id: Id, session: Session = Depends(get_session), principal: Principal = Depends(VIEWERS)
) -> Response:
    """Remove my annotation."""
    gridmap.remove_annotation(session, scope_of(principal), annotation_id)
    audit.record(
        session,
        principal=principal,
        action="map.annotation_removed",
        object_type="map_annotation",
        object_id=annotation_id,
    )
    session.commit()
    return Response(status_code=204)


@api.post("/patrol/points")
def upload_points(
    data: PointsIn, session: Session = Depends(get_session), principal: Principal = Depends(PATROLLERS)
) -> dict[str, int]:
    """A batch of GPS points from the patrol page (sent again after an offline gap: kept once)."""
    result = gridmap.record_points(
        session, principal.user_id or 0, [(p.at, p.lon, p.lat, p.accuracy) for p in data.points]
    )
    audit.record(
        session,
        principal=principal,
        action="map.patrol_uploaded",
        object_type="user",
        object_id=principal.user_id,
        detail={"kept": result.kept, "duplicates": result.duplicates, "refused": result.refused},
    )
    session.commit()
    return {"kept": result.kept, "duplicates": result.duplicates, "refused": result.refused}


def _patroller(session: Session, principal: Principal, user_id: int | None) -> User:
    target = user_id or principal.user_id
    if target != principal.user_id and not principal.has_any(*TRACK_READERS):
        raise Forbidden("只能查看自己的巡查轨迹")
    user = session.get(User, target) if target else None
    if user is None:
        raise Forbidden("没有这个巡查人员")
    return user


@api.get("/patrol/tracks")
def patrol_tracks(
    day: date | None = None,
    user_id: Id | None = None,
    session: Session = Depends(get_session),
    principal: Principal = Depends(VIEWERS),
) -> dict[str, Any]:
    """One person's tracks of one day (own, or anyone's for supervisors and leaders)."""
    user = _patroller(session, principal, user_id)
    return gridmap.tracks(session, user.id, day or now().date())


def _user_grids(session: Session, user: User) -> list[int]:
    from smartgov.auth.service import expand_areas

    return gridmap.grid_ids_in(session, expand_areas(session, (a.area_id for a in user.areas)))


@api.get("/patrol/coverage")
def patrol_coverage(
    day: date | None = None,
    user_id: Id | None = None,
    session: Session = Depends(get_session),
    principal: Principal = Depends(VIEWERS),
) -> dict[str, Any]:
    """Coverage of the person's grids: each day of the week so far, and the week as a whole."""
    user = _patroller(session, principal, user_id)
    day = day or now().date()
    grids = _user_grids(session, user)
    monday = day.fromordinal(day.toordinal() - day.weekday())
    return {
        "days": gridmap.coverage(session, user.id, grids, monday, day),
        "week": gridmap.week_coverage(session, user.id, grids, day),
    }


# ---------------------------------------------------------------- pages


@router.get("/gridmap", response_class=HTMLResponse)
def gridmap_page(
    request: Request,
    day: date | None = None,
    user_id: Id | None = None,
    session: Session = Depends(get_session),
    principal: Principal = Depends(VIEWERS),
) -> Response:
    """网格地图: switchable layers, annotation tools for my grids, patrol tracks by person and day."""
    inspectors = (
        session.scalars(
            select(User)
            .where(User.is_staff, User.roles.any(role=str(Role.INSPECTOR)))
            .order_by(User.username)
        ).all()
        if principal.has_any(*TRACK_READERS)
        else []
    )
    may_annotate = principal.has_any(Role.INSPECTOR) or (
        principal.has_any(Role.HANDLER) and bool(principal.area_ids)
    )
    return render(
        request,
        "registry/gridmap.html",
        {
            "layers": gridmap.layers(),
            "kinds": gridmap.ANNOTATION_KINDS,
            "may_annotate": may_annotate,
            "inspectors": inspectors,
            "day": (day or now().date()).isoformat(),
            "user_id": user_id or "",
        },
    )


@router.get("/patrol", response_class=HTMLResponse)
def patrol_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(PATROLLERS)
) -> Response:
    """巡查 (phone page): record GPS points while patrolling; my coverage today and this week."""
    user = session.get(User, principal.user_id)
    today = now().date()
    grids = _user_grids(session, user) if user else []
    return render(
        request,
        "registry/patrol.html",
        {
            "today": gridmap.coverage(session, principal.user_id or 0, grids, today, today)[0],
            "week": gridmap.week_coverage(session, principal.user_id or 0, grids, today),
        },
    )


# ---------------------------------------------------------------- editing areas and grids (区域网格编辑)

AREA_ADMINS = menu_entry("/admin/areas", "区域网格", 72, Role.SYSTEM_ADMIN)
audit.register_labels(
    {
        "org.grid_redrawn": "重绘网格边界",
        "org.grid_split": "拆分网格",
        "org.grids_merged": "合并网格",
        "org.areas_imported": "导入区域网格",
    },
    fields={
        "code": "编码",
        "new_code": "新网格编码",
        "absorbed": "被合并网格",
        "level": "层级",
        "created": "新增",
        "updated": "更新",
    },
    objects={"area": "区域网格"},
)


class GeometryIn(BaseModel):
    geometry: dict[str, Any]


class MergeIn(BaseModel):
    other_id: Id


def _area_out(area: Any) -> dict[str, Any]:
    return {"id": area.id, "code": area.code, "name": area.name, "area_m2": area.area_m2}


@api.post("/map/grids/{grid_id}/geometry")
def redraw_grid(
    grid_id: Id,
    data: GeometryIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(AREA_ADMINS),
) -> dict[str, Any]:
    """重绘 a grid's outline (it must stay inside its community)."""
    from smartgov.org import editing

    grid = editing.redraw(session, grid_id, data.geometry)
    audit.record(
        session,
        principal=principal,
        action="org.grid_redrawn",
        object_type="area",
        object_id=grid.id,
        detail={"code": grid.code},
    )
    session.commit()
    return _area_out(grid)


@api.post("/map/grids/{grid_id}/split")
def split_grid(
    grid_id: Id,
    data: GeometryIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(AREA_ADMINS),
) -> dict[str, Any]:
    """拆分 a grid along a line drawn across it; the new part gets the next code of its community."""
    from smartgov.org import editing

    kept, created = editing.split_grid(session, grid_id, data.geometry)
    audit.record(
        session,
        principal=principal,
        action="org.grid_split",
        object_type="area",
        object_id=kept.id,
        detail={"code": kept.code, "new_code": created.code},
    )
    session.commit()
    return {"kept": _area_out(kept), "created": _area_out(created)}


@api.post("/map/grids/{grid_id}/merge")
def merge_grids(
    grid_id: Id,
    data: MergeIn,
    session: Session = Depends(get_session),
    principal: Principal = Depends(AREA_ADMINS),
) -> dict[str, Any]:
    """合并 a neighbouring grid of the same community into this one."""
    from smartgov.org import editing

    absorbed = session.get(Area, data.other_id)
    code = absorbed.code if absorbed is not None else str(data.other_id)
    grid = editing.merge_grids(session, grid_id, data.other_id)
    audit.record(
        session,
        principal=principal,
        action="org.grids_merged",
        object_type="area",
        object_id=grid.id,
        detail={"code": grid.code, "absorbed": code},
    )
    session.commit()
    return _area_out(grid)


@router.get("/admin/areas", response_class=HTMLResponse)
def areas_admin(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(AREA_ADMINS)
) -> Response:
    """区域网格: draw, split and merge grids on the map, import GeoJSON."""
    return _areas_page(request, session)


def _areas_page(
    request: Request,
    session: Session,
    *,
    report: Any = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    counts = dict(session.execute(select(Area.level, func.count()).group_by(Area.level)).all())
    return render(
        request,
        "registry/areas.html",
        {"counts": counts, "report": report, "error": error},
        status_code=status_code,
    )


@router.post("/admin/areas/import", response_class=HTMLResponse)
async def areas_import(
    request: Request,
    level: str = Form(..., pattern="^(street|community|grid)$"),
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(AREA_ADMINS),
) -> Response:
    """导入 GeoJSON of streets, communities or grids (the same import as ``smartgov geo import``)."""
    import json

    from smartgov.errors import AppError
    from smartgov.org.service import import_geojson
    from smartgov.web.forms import error_status, error_text

    content = await file.read(MAX_GEOJSON + 1)
    try:
        if len(content) > MAX_GEOJSON:
            raise ValidationFailed("文件超过 20 MB", code="file_too_large")
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationFailed("不是有效的 GeoJSON 文件", code="bad_geojson") from None
        report = import_geojson(session, data, level)
    except AppError as exc:
        session.rollback()
        return _areas_page(request, session, error=error_text(exc), status_code=error_status(exc))
    audit.record(
        session,
        principal=principal,
        action="org.areas_imported",
        object_type="area",
        detail={"level": level, "created": report.created, "updated": report.updated},
    )
    session.commit()
    return _areas_page(request, session, report=report)
