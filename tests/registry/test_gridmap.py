"""The grid map's API: registry layers, annotations by role and area, patrol upload and coverage."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from smartgov.config import get_settings
from smartgov.registry import service as registry
from smartgov.registry.models import RegAddress
from tests.cases.conftest import LAT, LON, SIZE, build_world
from tests.factories import PASSWORD, UserFactory, person_row

A, B = "11010519491231002X", "440524188001010014"


def _token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _setup(session):  # type: ignore[no-untyped-def]
    world = build_world(session)
    UserFactory(username="insp", roles=["inspector"], areas=[world.grids[0]])
    UserFactory(username="insp2", roles=["inspector"], areas=[world.grids[1]])
    UserFactory(username="dept", roles=["handler"])
    UserFactory(username="boss", roles=["supervisor"])
    registry.import_rows(
        session,
        "person",
        [person_row(A), person_row(B)],
        filename="p.csv",
        department_id=None,
        actor_name="k",
    )
    session.execute(
        update(RegAddress).values(grid_id=world.grids[0].id, lon=LON + SIZE / 2, lat=LAT + SIZE / 2)
    )
    registry.add_house(
        session,
        address_text="南山路12号3幢2单元301室",
        house_type="住宅",
        is_rental=True,
        landlord_id_number=A,
    )
    session.commit()
    return world


def test_layers_show_houses_and_population_per_grid(client: TestClient, session) -> None:  # type: ignore[no-untyped-def]
    world = _setup(session)
    boss = _token(client, "boss")
    keys = [layer["key"] for layer in client.get("/api/v1/map/layers", headers=boss).json()]
    assert keys == ["grids", "population", "houses", "key_places", "annotations"]
    [house] = client.get("/api/v1/map/layers/houses", headers=boss).json()["features"]
    assert house["properties"] == {
        "id": house["properties"]["id"],
        "type": "住宅",
        "rental": True,
        "address": "南山路12号3幢2单元301室",
        "tenants": 0,
    }
    population = client.get("/api/v1/map/layers/population", headers=boss).json()["features"]
    persons = {f["properties"]["code"]: f["properties"]["persons"] for f in population}
    assert persons == {
        world.grids[0].code: 2,
        world.grids[1].code: 0,
        world.grids[2].code: 0,
        world.grids[3].code: 0,
    }
    # an inspector's layers stop at their own grids
    mine = client.get("/api/v1/map/layers/population", headers=_token(client, "insp2")).json()["features"]
    assert [f["properties"]["code"] for f in mine] == [world.grids[1].code]
    assert client.get("/api/v1/map/layers/nothing", headers=boss).status_code == 404
    # a department's handler without areas is no command centre: no residents' houses or counts
    dept = _token(client, "dept")
    assert client.get("/api/v1/map/layers/houses", headers=dept).json()["features"] == []
    assert client.get("/api/v1/map/layers/population", headers=dept).json()["features"] == []
    own = client.get("/api/v1/map/layers/houses", headers=_token(client, "insp")).json()["features"]
    assert len(own) == 1


def test_annotations_by_inspectors_in_their_grids(client: TestClient, session) -> None:  # type: ignore[no-untyped-def]
    _setup(session)
    point = {"type": "Point", "coordinates": [LON + SIZE / 2, LAT + SIZE / 2]}
    made = client.post(
        "/api/v1/map/annotations",
        json={"kind": "宿舍", "note": "工地宿舍", "geometry": point},
        headers=_token(client, "insp"),
    )
    assert made.status_code == 201
    refused = client.post(
        "/api/v1/map/annotations", json={"kind": "宿舍", "geometry": point}, headers=_token(client, "insp2")
    )
    assert refused.status_code == 403
    unscoped = client.post(
        "/api/v1/map/annotations", json={"kind": "宿舍", "geometry": point}, headers=_token(client, "dept")
    )
    assert unscoped.status_code == 403
    assert (
        client.post(
            "/api/v1/map/annotations",
            json={"kind": "外星基地", "geometry": point},
            headers=_token(client, "insp"),
        ).status_code
        == 422
    )


def test_patrol_upload_tracks_and_coverage(client: TestClient, session) -> None:  # type: ignore[no-untyped-def]
    _setup(session)
    insp = _token(client, "insp")
    start = datetime.now(get_settings().tz).replace(microsecond=0) - timedelta(minutes=30)
    points = [
        {"at": (start + timedelta(minutes=m)).isoformat(), "lon": LON + SIZE / 2, "lat": LAT + SIZE / 2}
        for m in (0, 1, 2, 20, 21)
    ]
    sent = client.post("/api/v1/patrol/points", json={"points": points}, headers=insp).json()
    assert sent == {"kept": 5, "duplicates": 0, "refused": 0}
    again = client.post("/api/v1/patrol/points", json={"points": points[-2:]}, headers=insp).json()
    assert again == {"kept": 0, "duplicates": 2, "refused": 0}
    day = start.date().isoformat()
    tracks = client.get(f"/api/v1/patrol/tracks?day={day}", headers=insp).json()["features"]
    assert [t["properties"]["points"] for t in tracks] == [3, 2]
    coverage = client.get(f"/api/v1/patrol/coverage?day={day}", headers=insp).json()
    assert coverage["days"][-1]["visited"] == 1 and coverage["days"][-1]["total"] == 1
    other = client.get("/api/v1/patrol/tracks?user_id=1", headers=_token(client, "insp2"))
    assert other.status_code == 403
    assert (
        client.post(
            "/api/v1/patrol/points", json={"points": points}, headers=_token(client, "dept")
        ).status_code
        == 403
    )


def test_area_editing_is_for_the_system_administrator(client: TestClient, session) -> None:  # type: ignore[no-untyped-def]
    world = _setup(session)
    UserFactory(username="admin", roles=["system_admin"])
    session.commit()
    admin = _token(client, "admin")
    x = LON + SIZE * 0.5
    line = {"geometry": {"type": "LineString", "coordinates": [[x, LAT - SIZE * 0.1], [x, LAT + SIZE * 1.1]]}}
    assert (
        client.post(
            f"/api/v1/map/grids/{world.grids[0].id}/split", json=line, headers=_token(client, "insp")
        ).status_code
        == 403
    )
    split = client.post(f"/api/v1/map/grids/{world.grids[0].id}/split", json=line, headers=admin)
    assert split.status_code == 200 and split.json()["created"]["code"] == "330100001001005"
    merged = client.post(
        f"/api/v1/map/grids/{world.grids[0].id}/merge",
        json={"other_id": split.json()["created"]["id"]},
        headers=admin,
    )
    assert merged.status_code == 200 and merged.json()["code"] == world.grids[0].code
    bad = client.post(
        f"/api/v1/map/grids/{world.grids[0].id}/geometry",
        json={"geometry": {"type": "Point", "coordinates": [LON, LAT]}},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json()["message"] == "网格边界须为面"


def test_areas_page_refuses_a_file_that_is_not_geojson(client: TestClient, session) -> None:  # type: ignore[no-untyped-def]
    from tests.auth.conftest import web_login

    UserFactory(username="admin2", roles=["system_admin"])
    session.commit()
    _, _, token = web_login(client, "admin2")
    assert "单元网格 0 个" in client.get("/admin/areas").text
    page = client.post(
        "/admin/areas/import",
        data={"csrf_token": token, "level": "grid"},
        files={"file": ("grids.geojson", b"not json", "application/geo+json")},
    )
    assert page.status_code == 422 and "不是有效的 GeoJSON 文件" in page.text
