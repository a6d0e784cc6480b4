"""The org JSON API: locate, areas, grids.geojson, departments (public reads)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartgov.org.demo import build_demo_district


def demo(session: Session):  # type: ignore[no-untyped-def]
    geography = build_demo_district(session, seed=1)
    session.commit()
    return geography


def test_locate(client: TestClient, session: Session) -> None:
    geo = demo(session)
    grid = geo.grids[20]
    response = client.get("/api/v1/org/locate",
                          params={"lon": grid.center_lon, "lat": grid.center_lat})
    assert response.status_code == 200
    body = response.json()
    assert body["grid"]["code"] == grid.code
    assert body["community"]["code"] == grid.code[:12]
    assert body["street"]["code"] == grid.code[:9]
    assert body["snapped"] is False and body["distance_m"] == 0


def test_locate_outside_and_bad_input(client: TestClient, session: Session) -> None:
    demo(session)
    far = client.get("/api/v1/org/locate", params={"lon": 116.4, "lat": 39.9})
    assert far.status_code == 422
    assert far.json()["code"] == "outside_jurisdiction"
    assert "不在本辖区" in far.json()["message"]
    bad = client.get("/api/v1/org/locate", params={"lon": 500, "lat": 30})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


def test_areas_by_level_and_parent(client: TestClient, session: Session) -> None:
    geo = demo(session)
    streets = client.get("/api/v1/org/areas", params={"level": "street"}).json()
    assert [s["code"] for s in streets] == [s.code for s in geo.streets]
    assert streets[0]["level_label"] == "街道" and streets[0]["geometry"] is None
    street_id = geo.streets[1].id
    communities = client.get("/api/v1/org/areas", params={"parent": street_id}).json()
    assert len(communities) == 4 and all(c["parent_id"] == street_id for c in communities)
    by_code = client.get("/api/v1/org/areas",
                         params={"parent_code": geo.communities[0].code, "geometry": True}).json()
    assert len(by_code) == 9 and by_code[0]["geometry"]["type"] == "Polygon"
    assert client.get("/api/v1/org/areas", params={"level": "planet"}).status_code == 422
    missing = client.get("/api/v1/org/areas", params={"parent_code": "nope"})
    assert missing.status_code == 404


def test_one_area(client: TestClient, session: Session) -> None:
    geo = demo(session)
    body = client.get(f"/api/v1/org/areas/{geo.district.id}").json()
    assert body["code"] == "330199" and body["geometry"]["type"] == "Polygon"
    assert client.get("/api/v1/org/areas/999999").json()["code"] == "not_found"


def test_grids_geojson_is_public_and_cacheable(client: TestClient, session: Session) -> None:
    geo = demo(session)
    response = client.get("/api/v1/org/grids.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    assert "public" in response.headers["cache-control"]
    body = response.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 144
    first = body["features"][0]["properties"]
    assert first["code"] == geo.grids[0].code
    assert first["community"] == geo.communities[0].name
    assert first["street"] == geo.streets[0].name
    etag = response.headers["etag"]
    again = client.get("/api/v1/org/grids.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_grids_geojson_changes_when_a_grid_is_renamed(client: TestClient,
                                                      session: Session) -> None:
    geo = demo(session)
    etag = client.get("/api/v1/org/grids.geojson").headers["etag"]
    geo.grids[0].name = "改名网格"
    session.commit()
    response = client.get("/api/v1/org/grids.geojson", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["features"][0]["properties"]["name"] == "改名网格"


def test_departments(client: TestClient, session: Session) -> None:
    geo = demo(session)
    body = client.get("/api/v1/org/departments").json()
    codes = {d["code"]: d for d in body}
    assert "chengguan" in codes and codes["chengguan"]["duties"]
    office = codes[f"jiedao-{geo.streets[0].code}"]
    assert office["area_id"] == geo.streets[0].id
