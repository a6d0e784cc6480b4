"""The real Hangzhou 下城区 (2019) grids from ../shared/data: import in order, then locate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.org.geo import GridLocator, OutsideJurisdiction, parse_geometry
from smartgov.org.models import Area
from smartgov.org.service import ImportReport, import_geojson, load_feature_collection
from tests.conftest import require_shared

LEVELS = ("street", "community", "grid")


@pytest.fixture()
def data_dir() -> Path:
    return require_shared("geo", "hangzhou-xiacheng")


@pytest.fixture()
def reports(session: Session, data_dir: Path) -> dict[str, ImportReport]:
    """Import street, community and grid files in order, exactly as shipped (no options)."""
    return {level: import_geojson(session, data_dir / f"{level}.geojson", level)
            for level in LEVELS}


@pytest.fixture()
def grid_features(data_dir: Path) -> list[dict]:
    return load_feature_collection(data_dir / "grid.geojson")[0]


def _count(session: Session, level: str) -> int:
    return session.scalar(select(func.count(Area.id)).where(Area.level == level)) or 0


def test_feature_counts_and_stored_areas(session: Session,
                                         reports: dict[str, ImportReport]) -> None:
    assert [reports[level].features for level in LEVELS] == [8, 90, 332]
    # Features repeating a code (same name, same parent) are parts of one area: 90 → 75, 332 → 297.
    assert [reports[level].merged_parts for level in LEVELS] == [0, 15, 35]
    assert [_count(session, level) for level in LEVELS] == [8, 75, 297]
    assert _count(session, "district") == 1
    assert all(not r.renamed for r in reports.values())
    assert reports["grid"].repaired == 1  # SQ-1-6 is a self-intersecting ring


def test_every_area_is_linked_up_the_chain(session: Session,
                                           reports: dict[str, ImportReport]) -> None:
    assert reports["community"].linked == Counter({"上级编码属性": 90})
    assert reports["grid"].linked == Counter({"编码前缀": 332})
    areas = {a.id: a for a in session.scalars(select(Area)).unique()}
    for area in areas.values():
        parent = areas.get(area.parent_id) if area.parent_id else None
        expected = {"grid": "community", "community": "street", "street": "district"}
        if area.level == "district":
            assert parent is None
            continue
        assert parent is not None and parent.level == expected[area.level], area.code
        if area.level in ("grid", "community"):
            assert area.code.startswith(parent.code + "-"), area.code


def test_grid_names_and_measures(session: Session, reports: dict[str, ImportReport]) -> None:
    grid = session.scalar(select(Area).where(Area.code == "SQ-3-2"))
    assert grid is not None
    assert grid.name == "华丰社区第二网格"
    assert grid.parent is not None and grid.parent.name == "华丰社区"
    assert 30.2 < (grid.center_lat or 0) < 30.4 and 120.1 < (grid.center_lon or 0) < 120.3
    total_km2 = sum(session.scalars(select(Area.area_m2).where(Area.level == "grid"))) / 1e6
    assert 25 < total_km2 < 30  # 下城区 was about 31 km²; the grids leave roads and rivers out


def test_reimport_is_idempotent(session: Session, reports: dict[str, ImportReport],
                                data_dir: Path) -> None:
    session.flush()
    before = dict(session.execute(select(Area.code, Area.id)).all())
    again = {level: import_geojson(session, data_dir / f"{level}.geojson", level)
             for level in LEVELS}
    assert [(r.created, r.updated) for r in again.values()] == [(0, 0)] * 3
    assert [r.unchanged for r in again.values()] == [8, 75, 297]
    assert dict(session.execute(select(Area.code, Area.id)).all()) == before


def test_boundary_import_names_the_district(session: Session, reports: dict[str, ImportReport],
                                            data_dir: Path) -> None:
    import_geojson(session, data_dir / "boundary.geojson", "district")
    district = session.scalar(select(Area).where(Area.level == "district"))
    assert district is not None and district.name.startswith("下城区")
    assert _count(session, "district") == 1


@pytest.mark.parametrize("position", [0, 1, 100, 200, -1])
def test_representative_points_resolve_to_their_grid(session: Session,
                                                     reports: dict[str, ImportReport],
                                                     grid_features: list[dict],
                                                     position: int) -> None:
    feature = grid_features[position]
    point = parse_geometry(feature["geometry"]).representative_point()
    found = GridLocator.from_session(session).locate(point.x, point.y)
    assert found.grid_code == feature["properties"]["网格编号"]
    assert not found.snapped


def test_a_point_just_outside_snaps_and_a_far_point_is_outside(
        session: Session, reports: dict[str, ImportReport], grid_features: list[dict]) -> None:
    geoms = [parse_geometry(f["geometry"]) for f in grid_features]
    east = max(range(len(geoms)), key=lambda i: geoms[i].bounds[2])
    x_max = geoms[east].bounds[2]
    vertex = next(c for c in shapely.get_coordinates(geoms[east]) if c[0] == x_max)
    locator = GridLocator.from_session(session)
    found = locator.locate(x_max + 0.0005, float(vertex[1]))  # ≈ 48 m east of the district
    assert found.snapped
    assert found.grid_code == grid_features[east]["properties"]["网格编号"]
    assert 40 < found.distance_m < 60
    with pytest.raises(OutsideJurisdiction) as err:
        locator.locate(120.5, 30.5)
    assert err.value.code == "outside_jurisdiction"
