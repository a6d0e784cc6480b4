"""Point → grid lookup: inside, on edges, snapping, outside, bulk path, the cached locator."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.errors import ValidationFailed
from smartgov.org.geo import GridLocator, OutsideJurisdiction, area_m2, distance_m, get_locator
from smartgov.org.models import Area
from smartgov.org.service import import_geojson
from tests.factories import AreaFactory, square
from tests.org.geojson import LAT0, LON0, cell, collection, feature
from tests.org.test_import import import_all

METRES_PER_DEG_LAT = 111_195.0


def grid_id(session: Session, code: str) -> int:
    return session.scalar(select(Area.id).where(Area.code == code)) or 0


def test_point_inside_a_grid(session: Session) -> None:
    import_all(session)
    found = GridLocator.from_session(session).locate(LON0 + 0.0025, LAT0 + 0.0015)
    assert found.grid_code == "S2-1-2"
    assert (found.snapped, found.distance_m) == (False, 0.0)
    community = session.get(Area, found.community_id)
    assert community is not None and community.code == "S2-1"
    street = session.get(Area, found.street_id)
    assert street is not None and street.code == "S2"


def test_point_on_a_shared_edge_is_deterministic(session: Session) -> None:
    import_all(session)
    locator = GridLocator.from_session(session)
    first = locator.locate(LON0 + 0.001, LAT0 + 0.0005)
    assert first.grid_code in ("S1-1-1", "S1-2-1")
    assert locator.locate(LON0 + 0.001, LAT0 + 0.0005) == first


def test_point_just_outside_snaps_to_the_nearest_grid(session: Session) -> None:
    import_all(session)
    lat = LAT0 - 50 / METRES_PER_DEG_LAT  # 50 m south of S2-2-1
    found = GridLocator.from_session(session).locate(LON0 + 0.0035, lat)
    assert found.grid_code == "S2-2-1"
    assert found.snapped is True
    assert found.distance_m == pytest.approx(50, abs=1)


def test_point_beyond_the_fallback_distance_is_outside(session: Session) -> None:
    import_all(session)
    locator = GridLocator.from_session(session, fallback_m=30)
    with pytest.raises(OutsideJurisdiction) as err:
        locator.locate(LON0 + 0.0035, LAT0 - 50 / METRES_PER_DEG_LAT)
    assert err.value.code == "outside_jurisdiction"
    assert "该位置不在本辖区范围内" in err.value.message


def test_fallback_distance_comes_from_settings(session: Session,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import_all(session)
    locator = GridLocator.from_session(session)
    monkeypatch.setattr(get_settings(), "grid_fallback_m", 20.0)
    with pytest.raises(OutsideJurisdiction):
        locator.locate(LON0 + 0.0035, LAT0 - 50 / METRES_PER_DEG_LAT)


def test_far_point_and_bad_coordinates(session: Session) -> None:
    import_all(session)
    locator = GridLocator.from_session(session)
    with pytest.raises(OutsideJurisdiction):
        locator.locate(116.4, 39.9)
    with pytest.raises(ValidationFailed):
        locator.locate(float("nan"), 30.0)
    with pytest.raises(ValidationFailed):
        locator.locate(30.0, 120.0)


def test_no_grids_means_outside(session: Session) -> None:
    locator = GridLocator.from_session(session)
    assert len(locator) == 0
    with pytest.raises(OutsideJurisdiction):
        locator.locate(LON0, LAT0)
    assert locator.locate_many([LON0], [LAT0]).index.tolist() == [-1]


def test_bulk_path_agrees_with_single_lookups(session: Session) -> None:
    import_all(session)
    locator = GridLocator.from_session(session)
    rng = np.random.default_rng(7)
    lons = rng.uniform(LON0 - 0.003, LON0 + 0.007, 3000)
    lats = rng.uniform(LAT0 - 0.003, LAT0 + 0.005, 3000)
    bulk = locator.locate_many(lons, lats)
    assert bulk.found.any() and (~bulk.found).any() and bulk.snapped.any()
    small = locator.locate_many(lons[:50], lats[:50])  # below the raster threshold
    assert small.index.tolist() == bulk.index[:50].tolist()
    for i in range(len(lons)):
        try:
            one = locator.locate(float(lons[i]), float(lats[i]))
        except OutsideJurisdiction:
            assert bulk.index[i] == -1
            continue
        assert locator.codes[bulk.index[i]] == one.grid_code
        assert bool(bulk.snapped[i]) == one.snapped
        assert bulk.distance_m[i] == pytest.approx(one.distance_m, abs=0.01)


def test_bulk_path_on_irregular_grids(session: Session) -> None:
    """Many small, irregular grids: raster cells mix inside, edge and empty cases."""
    rng = random.Random(3)
    street = AreaFactory(level="street", code="ST")
    community = AreaFactory(level="community", code="ST-1", parent=street)
    for i in range(40):
        lon, lat = LON0 + rng.uniform(0, 0.02), LAT0 + rng.uniform(0, 0.02)
        AreaFactory(code=f"ST-1-{i}", parent=community, polygon=square(lon, lat, rng.uniform(0.0003, 0.002)))
    locator = GridLocator.from_session(session)
    lons = np.random.default_rng(1).uniform(LON0 - 0.002, LON0 + 0.024, 2000)
    lats = np.random.default_rng(2).uniform(LAT0 - 0.002, LAT0 + 0.024, 2000)
    bulk = locator.locate_many(lons, lats)
    for i in range(len(lons)):
        try:
            expected = locator.locate(float(lons[i]), float(lats[i])).grid_code
        except OutsideJurisdiction:
            expected = None
        got = locator.codes[bulk.index[i]] if bulk.index[i] >= 0 else None
        assert got == expected, i


def test_cached_locator_is_reused_and_rebuilt_after_changes(session: Session) -> None:
    import_all(session)
    first = get_locator(session)
    assert get_locator(session) is first
    import_geojson(session, collection(feature(cell(5, 0), 网格编号="S2-2-3")), "grid")
    second = get_locator(session)
    assert second is not first
    assert second.locate(LON0 + 0.0055, LAT0 + 0.0005).grid_code == "S2-2-3"


def test_cached_locator_notices_an_orm_geometry_change(session: Session) -> None:
    import_all(session)
    assert get_locator(session).locate(LON0 + 0.0005, LAT0 + 0.0005).grid_code == "S1-1-1"
    grid = session.scalar(select(Area).where(Area.code == "S1-1-1"))
    assert grid is not None
    grid.geometry = json.dumps(cell(9, 9))
    session.flush()
    assert grid.revision == 1
    found = get_locator(session).locate(LON0 + 0.0095, LAT0 + 0.0095)
    assert found.grid_code == "S1-1-1"


def test_measures() -> None:
    from shapely.geometry import shape

    assert area_m2(shape(square(LON0, LAT0, 0.001))) == pytest.approx(10_676, rel=0.005)
    assert distance_m(LON0, LAT0, LON0, LAT0 + 0.001) == pytest.approx(111.19, abs=0.1)
