"""The generated demo district (示范区): counts, codes, layout, departments, idempotency."""

from __future__ import annotations

import random

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.org.demo import DEPARTMENTS, build_demo_district
from smartgov.org.geo import get_locator
from smartgov.org.models import Area, Department

REQUIRED_DEPARTMENTS = ("城管执法", "市政", "环境卫生", "园林绿化", "交警", "市场监督",
                        "住房和城乡建设", "水务", "生态环境", "人力资源和社会保障", "教育",
                        "卫生健康", "供电", "燃气", "公安", "民政")


def test_counts_and_codes(session: Session) -> None:
    demo = build_demo_district(session, seed=1)
    assert demo.district.code == "330199" and demo.district.name == "示范区"
    assert (len(demo.streets), len(demo.communities), len(demo.grids)) == (4, 16, 144)
    for grid in demo.grids:
        community = grid.parent
        assert community is not None and community.parent is not None
        assert len(grid.code) == 15 and grid.code.isdigit()
        assert grid.code[:12] == community.code and grid.code[:9] == community.parent.code
        assert grid.code[:6] == "330199"
        assert 5_500 < (grid.area_m2 or 0) < 15_000  # ~100 m × 100 m, jittered corners


def test_grids_are_numbered_west_to_east_then_north_to_south(session: Session) -> None:
    demo = build_demo_district(session, seed=1)
    first = demo.children(demo.communities[0])
    assert [g.code[-3:] for g in first] == [f"{i:03d}" for i in range(1, 10)]
    assert first[0].center_lon < first[1].center_lon < first[2].center_lon  # type: ignore[operator]
    assert first[0].center_lat > first[3].center_lat > first[6].center_lat  # type: ignore[operator]
    assert first[0].name.endswith("第一网格")


def test_grids_tile_their_community_without_gaps(session: Session) -> None:
    demo = build_demo_district(session, seed=1)
    for community in demo.communities:
        union = shapely.union_all([shapely.from_geojson(g.geometry) for g in
                                   demo.children(community)])
        outline = shapely.from_geojson(community.geometry)
        assert abs(union.area - outline.area) / outline.area < 1e-6
    total = sum(g.area_m2 or 0 for g in demo.grids)
    assert abs(total - (demo.district.area_m2 or 0)) / total < 1e-3
    assert 120.1 < (demo.district.center_lon or 0) < 120.25
    assert 30.2 < (demo.district.center_lat or 0) < 30.35


def test_departments_and_street_offices(session: Session) -> None:
    demo = build_demo_district(session, seed=1)
    names = " ".join(d.name for d in demo.departments.values())
    for required in REQUIRED_DEPARTMENTS:
        assert required in names, required
    assert all(demo.departments[code].duties for code, _, _ in DEPARTMENTS)
    assert len(demo.street_offices) == 4
    for street in demo.streets:
        office = demo.street_offices[street.code]
        assert office.area_id == street.id and office.name == f"{street.name}办事处"


def test_random_points_locate_to_their_grid(session: Session) -> None:
    demo = build_demo_district(session, seed=1)
    rng = random.Random(5)
    locator = get_locator(session)
    for _ in range(50):
        grid = rng.choice(demo.grids)
        lon, lat = demo.random_point(rng, grid)
        assert locator.locate(lon, lat).grid_id == grid.id


def test_rebuilding_is_idempotent_and_seeded(session: Session) -> None:
    first = build_demo_district(session, seed=1)
    geometry = first.grids[0].geometry
    again = build_demo_district(session, seed=1)
    assert [g.id for g in again.grids] == [g.id for g in first.grids]
    assert again.grids[0].geometry == geometry
    assert session.scalar(select(func.count(Area.id))) == 1 + 4 + 16 + 144
    assert session.scalar(select(func.count(Department.id))) == len(DEPARTMENTS) + 4
