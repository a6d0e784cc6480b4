"""Editing grids: redraw inside the community, split along a line, merge neighbours moving references."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from smartgov.auth.models import UserArea
from smartgov.errors import ValidationFailed
from smartgov.org import editing
from smartgov.org.models import Area
from tests.cases.conftest import LAT, LON, SIZE, World, build_world
from tests.factories import UserFactory, square

# A 0.002° square at 30.28°N: 0.002 × 111,320 m × cos 30.28° ≈ 192.3 m wide, 0.002 × 110,574 m ≈ 221.1 m
# high, about 42,500 m² (hand-computed; the platform's projection may differ by a fraction of a percent).
GRID_M2 = 192.3 * 221.1


@pytest.fixture()
def world(session: Session) -> World:
    return build_world(session)


def _areas(session: Session, user_id: int) -> list[int]:
    return [a.area_id for a in session.query(UserArea).filter_by(user_id=user_id)]


def test_redraw_inside_the_community_and_refused_outside(world: World) -> None:
    smaller = square(LON + SIZE * 0.1, LAT + SIZE * 0.1, SIZE * 0.8)
    grid = editing.redraw(world.session, world.grids[0].id, smaller)
    assert grid.area_m2 == pytest.approx(GRID_M2 * 0.64, rel=0.02)
    with pytest.raises(ValidationFailed) as caught:
        editing.redraw(world.session, world.grids[0].id, square(LON - SIZE, LAT, SIZE))
    assert caught.value.code == "outside_parent"


def test_split_along_a_line_gives_a_new_grid_with_the_next_code(world: World) -> None:
    grid = world.grids[0]
    x = LON + SIZE * 0.3
    line = {"type": "LineString", "coordinates": [[x, LAT - SIZE * 0.1], [x, LAT + SIZE * 1.1]]}
    kept, created = editing.split_grid(world.session, grid.id, line)
    assert created.code == "330100001001005"  # the community holds 001–004
    assert created.parent_id == grid.parent_id
    assert (kept.area_m2, created.area_m2) == (pytest.approx(GRID_M2 * 0.7, rel=0.02),
                                               pytest.approx(GRID_M2 * 0.3, rel=0.02))
    far = {"type": "LineString", "coordinates": [[LON - 1, LAT - 1], [LON - 0.9, LAT - 1]]}
    with pytest.raises(ValidationFailed):
        editing.split_grid(world.session, grid.id, far)


def test_merge_moves_references_and_removes_the_absorbed_grid(world: World) -> None:
    keep, absorb = world.grids[0], world.grids[1]
    absorb_id = absorb.id
    user = UserFactory(roles=["inspector"], areas=[absorb])
    merged = editing.merge_grids(world.session, keep.id, absorb_id)
    assert world.session.get(Area, absorb_id) is None
    assert merged.area_m2 == pytest.approx(2 * GRID_M2, rel=0.02)
    assert json.loads(merged.geometry)["type"] == "Polygon"
    assert _areas(world.session, user.id) == [keep.id]


def test_an_account_responsible_for_both_grids_keeps_one_row(world: World) -> None:
    user = UserFactory(roles=["inspector"], areas=[world.grids[0], world.grids[1]])
    editing.merge_grids(world.session, world.grids[0].id, world.grids[1].id)
    assert _areas(world.session, user.id) == [world.grids[0].id]


def test_merge_refuses_grids_meeting_at_a_corner_only(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        editing.merge_grids(world.session, world.grids[0].id, world.grids[3].id)  # diagonal neighbours
    assert caught.value.code == "not_adjacent"
