"""The grid map: annotations in one's own grids, patrol points with gaps and resends, coverage, base map."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.errors import Forbidden, ValidationFailed
from smartgov.org import gridmap
from smartgov.org.models import MapBaseFeature, PatrolPoint
from tests.cases.conftest import LAT, LON, SIZE, World, build_world
from tests.factories import UserFactory


@pytest.fixture()
def world(session: Session) -> World:
    """One street of four grids (the cases tests' world)."""
    return build_world(session)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=get_settings().tz)


def _centre(i: int) -> tuple[float, float]:
    return LON + SIZE * (i % 2) + SIZE / 2, LAT + SIZE * (i // 2) + SIZE / 2


def test_annotation_in_own_grid_is_seen_by_the_same_area_only(world: World) -> None:
    own = gridmap.MapScope(1, frozenset({world.grids[0].id}))
    lon, lat = _centre(0)
    item = gridmap.add_annotation(
        world.session,
        own,
        author="监督员",
        kind="积水点",
        note="雨后积水",
        geometry={"type": "Point", "coordinates": [lon, lat]},
    )
    assert item.grid_id == world.grids[0].id
    same_area = gridmap.MapScope(2, frozenset({world.grids[0].id}))
    other_area = gridmap.MapScope(3, frozenset({world.grids[1].id}))
    [feature] = gridmap.annotations(world.session, same_area)["features"]
    assert feature["properties"]["kind"] == "积水点" and feature["properties"]["mine"] is False
    assert gridmap.annotations(world.session, other_area)["features"] == []


def test_annotation_outside_own_grids_is_refused(world: World) -> None:
    own = gridmap.MapScope(1, frozenset({world.grids[0].id}))
    lon, lat = _centre(3)
    with pytest.raises(Forbidden):
        gridmap.add_annotation(
            world.session,
            own,
            author="x",
            kind="宿舍",
            note="",
            geometry={"type": "Point", "coordinates": [lon, lat]},
        )


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "MultiPoint", "coordinates": [[LON, LAT]]},
        {
            "type": "Polygon",
            "coordinates": [
                [[LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001], [LON, LAT]]
            ],
        },  # self-crossing bow tie
        {"type": "Point", "coordinates": "here"},
    ],
)
def test_bad_annotation_geometry_is_a_clear_422(world: World, geometry: dict) -> None:
    with pytest.raises(ValidationFailed):
        gridmap.add_annotation(
            world.session, gridmap.MapScope(1), author="x", kind="宿舍", note="", geometry=geometry
        )


def test_polygon_annotation_and_removal_by_its_author_only(world: World) -> None:
    lon, lat = _centre(1)
    d = SIZE / 4
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - d, lat - d],
                [lon + d, lat - d],
                [lon + d, lat + d],
                [lon - d, lat + d],
                [lon - d, lat - d],
            ]
        ],
    }
    item = gridmap.add_annotation(
        world.session, gridmap.MapScope(1), author="a", kind="重点场所", note="菜场", geometry=square
    )
    with pytest.raises(Forbidden):
        gridmap.remove_annotation(world.session, gridmap.MapScope(2), item.id)
    gridmap.remove_annotation(world.session, gridmap.MapScope(1), item.id)
    assert gridmap.annotations(world.session, gridmap.MapScope(1))["features"] == []


def test_patrol_with_an_offline_gap_and_a_resent_batch(world: World) -> None:
    user = UserFactory(roles=["inspector"])
    day = (datetime.now(get_settings().tz) - timedelta(days=1)).date()
    base = datetime.combine(day, datetime.min.time(), tzinfo=get_settings().tz) + timedelta(hours=9)
    (g0x, g0y), (g1x, g1y) = _centre(0), _centre(1)
    first = [(base + timedelta(minutes=m), g0x, g0y + m * 1e-5, 8.0) for m in range(4)]
    # the phone was offline 09:04–09:20; its backlog arrives later, with one point sent twice
    later = [(base + timedelta(minutes=20 + m), g1x, g1y, 8.0) for m in range(3)]
    assert gridmap.record_points(world.session, user.id, first) == gridmap.PatrolUpload(kept=4)
    again = gridmap.record_points(world.session, user.id, [first[-1], *later])
    assert (again.kept, again.duplicates, again.refused) == (3, 1, 0)
    assert world.session.scalar(select(func.count()).select_from(PatrolPoint)) == 7
    segments = gridmap.tracks(world.session, user.id, day)["features"]
    assert [s["properties"]["points"] for s in segments] == [4, 3]
    assert segments[0]["geometry"]["type"] == "LineString"
    grids = [g.id for g in world.grids]
    [entry] = gridmap.coverage(world.session, user.id, grids, day, day)
    assert (entry["visited"], entry["total"], entry["share"]) == (2, 4, 0.5)


def test_points_without_zone_or_from_the_future_are_refused(world: World) -> None:
    user = UserFactory(roles=["inspector"])
    lon, lat = _centre(0)
    soon = datetime.now(get_settings().tz) + timedelta(hours=1)
    result = gridmap.record_points(
        world.session, user.id, [(soon, lon, lat, None), (datetime(2026, 1, 1, 9), lon, lat, None)]
    )
    assert (result.kept, result.refused) == (0, 2)


def test_week_coverage_counts_each_grid_once(world: World) -> None:
    user = UserFactory(roles=["inspector"])
    monday = _at("2026-11-23T09:00:00")
    points = [
        (monday, *_centre(0), None),
        (monday + timedelta(days=1), *_centre(0), None),
        (monday + timedelta(days=2), *_centre(2), None),
    ]
    for row in points:
        world.session.add(
            PatrolPoint(
                user_id=user.id,
                at=row[0],
                lon=row[1],
                lat=row[2],
                received_at=row[0],
                grid_id=gridmap.get_locator(world.session).locate(row[1], row[2]).grid_id,
            )
        )
    world.session.flush()
    week = gridmap.week_coverage(
        world.session, user.id, [g.id for g in world.grids], monday.date() + timedelta(6)
    )
    assert (week["visited"], week["total"], week["share"]) == (2, 4, 0.5)


def test_demo_district_has_an_offline_base_map(session: Session) -> None:
    from smartgov.org.demo import build_demo_district

    build_demo_district(session)
    kinds = session.scalars(select(MapBaseFeature.kind)).all()
    assert kinds.count("water") == 1 and kinds.count("road") == 10  # 5 lines each way (every 3 of 12 cells)
    assert gridmap.base_map(session)["features"][0]["geometry"]["type"] == "LineString"
