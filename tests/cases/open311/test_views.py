"""Open311 GeoReport v2: every JSON answer validates against the official schemas."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov.auth.models import AuditEntry
from smartgov.cases.attachments import save_attachment
from smartgov.cases.models import Case, Category, Open311Client
from smartgov.cases.open311.keys import client_for_key, create_client
from smartgov.cases.schemas import Source
from tests.cases.conftest import World
from tests.conftest import SHARED_CONFORMANCE
from tests.factories import UserFactory, report

SCHEMA_DIR = SHARED_CONFORMANCE / "open311"
SCHEMA_FILES = ("request.json", "requests.json", "service.json", "services.json",
                "service-definition.json")
BASE = "/open311/v2"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f00f0004850180848a8c21"
                    "0000000049454e44ae426082")
SIZE_ATTRIBUTE = [{"code": "SIZE", "datatype": "singlevaluelist", "required": True,
                   "description": "垃圾量", "order": 1,
                   "values": [{"key": "S", "name": "少量"}, {"key": "L", "name": "大量"}]},
                  {"code": "NOTE", "datatype": "string", "required": False,
                   "description": "补充说明", "order": 2}]

Validate = Callable[[str, Any], None]


@pytest.fixture(scope="module")
def validate() -> Validate:
    """validate("requests.json", body): the official schemas, $refs resolved in their folder."""
    if not all((SCHEMA_DIR / name).is_file() for name in SCHEMA_FILES):
        pytest.skip(f"Open311 schemas not found in {SCHEMA_DIR} (needs ../shared/conformance)")
    from jsonschema import Draft7Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(json.loads((SCHEMA_DIR / name).read_text("utf-8")),
                                      default_specification=DRAFT7))
        for name in SCHEMA_FILES)
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def aware_datetime(value: object) -> bool:  # ISO 8601 with a timezone, as the spec asks
        return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uri")
    def absolute_uri(value: object) -> bool:
        return not isinstance(value, str) or bool(urlparse(value).scheme and urlparse(value).netloc)

    def check(name: str, instance: Any) -> None:
        validator = Draft7Validator({"$ref": name}, registry=registry, format_checker=checker)
        validator.validate(instance)

    return check


def api_key(world: World, name: str = "随手拍") -> tuple[Open311Client, str]:
    client, key = create_client(world.session, name)
    world.session.commit()
    return client, key


def post(client: TestClient, key: str | None, fmt: str = "json", **fields: Any) -> Any:
    data = {"service_code": "1402", **fields}
    if key is not None:
        data["api_key"] = key
    return client.post(f"{BASE}/requests.{fmt}", data=data)


def post_at(client: TestClient, world: World, key: str, grid: int = 0, **fields: Any) -> str:
    lat_lon = world.point(grid)
    response = post(client, key, lat=lat_lon[1], long=lat_lon[0], **fields)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


def errors_of(response: Any, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body, body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
    return body


def xml_root(response: Any, tag: str) -> ET.Element:
    assert response.status_code in (200, 400, 403, 404), response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml")
    root = ET.fromstring(response.content)
    assert root.tag == tag
    return root


# --- discovery and services ---------------------------------------------------------------------

def test_discovery_json_and_xml(client: TestClient) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] == "production"
    assert any("page_size" in e for e in body["extensions"])
    root = xml_root(client.get(f"{BASE}/discovery.xml"), "discovery")
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_list_active_minor_classes(client: TestClient, world: World,
                                           validate: Validate) -> None:
    world.cats["noise"].is_active = False
    world.cats["garbage"].attributes = SIZE_ATTRIBUTE
    world.cats["stall"].keywords = "摆摊,占道"
    world.session.commit()
    body = client.get(f"{BASE}/services.json").json()
    validate("services.json", body)
    by_code = {s["service_code"]: s for s in body}
    assert set(by_code) == {"1101", "1402"}  # no major class, no inactive class
    assert by_code["1101"] == {**by_code["1101"], "service_name": "暴露垃圾", "metadata": True,
                               "type": "realtime", "group": "市容环境"}
    assert by_code["1402"]["metadata"] is False and by_code["1402"]["keywords"] == "摆摊,占道"

    root = xml_root(client.get(f"{BASE}/services.xml"), "services")
    services = root.findall("service")
    assert sorted(s.findtext("service_code") for s in services) == ["1101", "1402"]
    garbage = next(s for s in services if s.findtext("service_code") == "1101")
    assert garbage.findtext("metadata") == "true" and garbage.findtext("group") == "市容环境"


def test_service_definition_from_category_attributes(client: TestClient, world: World,
                                                     validate: Validate) -> None:
    world.cats["garbage"].attributes = SIZE_ATTRIBUTE
    world.session.commit()
    body = client.get(f"{BASE}/services/1101.json").json()
    validate("service-definition.json", body)
    assert body["service_code"] == "1101"
    size, note = body["attributes"]
    assert size["code"] == "SIZE" and size["variable"] is True and size["required"] is True
    assert size["values"] == [{"key": "S", "name": "少量"}, {"key": "L", "name": "大量"}]
    assert note["datatype"] == "string" and note["order"] == 2

    root = xml_root(client.get(f"{BASE}/services/1101.xml"), "service_definition")
    assert root.findtext("service_code") == "1101"
    keys = [v.findtext("key") for v in root.findall("attributes/attribute/values/value")]
    assert keys == ["S", "L"]

    empty = client.get(f"{BASE}/services/1402.json").json()
    validate("service-definition.json", empty)
    assert empty == {"service_code": "1402", "attributes": []}


def test_unknown_service_definition_is_404(client: TestClient, world: World) -> None:
    for code in ("9999", "11"):  # unknown, and a major class
        [error] = errors_of(client.get(f"{BASE}/services/{code}.json"), 404)
        assert code in error["description"]
    root = xml_root(client.get(f"{BASE}/services/9999.xml"), "errors")
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description")


def test_unknown_format_is_400(client: TestClient, world: World) -> None:
    errors_of(client.get(f"{BASE}/services.csv"), 400)


def test_unknown_endpoint_is_an_open311_404(client: TestClient) -> None:
    errors_of(client.get(f"{BASE}/requests"), 404)  # the format suffix is required
    errors_of(client.get(f"{BASE}/no-such-thing.json"), 404)


# --- POST /requests -----------------------------------------------------------------------------

def test_post_direct_dispatch_then_read_back(client: TestClient, world: World,
                                             validate: Validate) -> None:
    o311, key = api_key(world)
    lon, lat = world.point(2)
    response = post(client, key, lat=lat, long=lon, description="人行道上有人摆摊卖水果",
                    first_name="小明", last_name="王", phone="13912345678",
                    email="wang@example.com", account_id="acct-7")
    assert response.status_code == 200, response.text
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] == "acct-7" and "1个工作日" in created["service_notice"]

    case = world.session.scalar(select(Case).where(Case.case_no == created["service_request_id"]))
    assert case is not None
    assert case.source == "open311" and case.open311_client_id == o311.id
    assert case.reporter_name == "王小明" and case.reporter_phone == "13912345678"
    assert case.grid_id == world.grids[2].id

    got = client.get(f"{BASE}/requests/{created['service_request_id']}.json")
    assert got.status_code == 200, got.text
    body = got.json()
    validate("requests.json", body)
    [req] = body
    validate("request.json", req)
    assert req["status"] == "open" and req["service_code"] == "1402"
    assert req["service_name"] == "占道经营"
    assert req["agency_responsible"] == "区城管执法局"  # 直派 by the dispatch catalogue
    assert req["expected_datetime"] is not None
    expected = datetime.fromisoformat(req["expected_datetime"])
    assert expected > datetime.fromisoformat(req["requested_datetime"])
    assert req["requested_datetime"].endswith("+08:00")
    assert req["address_id"] == world.grids[2].code
    assert req["lat"] == pytest.approx(lat) and req["long"] == pytest.approx(lon)
    assert req["description"] == "人行道上有人摆摊卖水果"
    assert req["media_url"] is None
    text = got.text
    for personal in ("13912345678", "王小明", "小明", "wang@example.com", case.tracking_code):
        assert personal not in text  # no personal data, no tracking code


def test_post_xml_answer(client: TestClient, world: World) -> None:
    _, key = api_key(world)
    lon, lat = world.point(0)
    root = xml_root(post(client, key, fmt="xml", lat=lat, long=lon, description="占道摆摊"),
                    "service_requests")
    assert root.findtext("request/service_request_id")
    assert root.find("request/account_id") is not None


def test_post_with_address_or_grid_code(client: TestClient, world: World,
                                        validate: Validate) -> None:
    _, key = api_key(world)
    by_address = post(client, key, address_string="测试街道 幸福路12号门口", description="占道摆摊")
    assert by_address.status_code == 200, by_address.text
    by_grid = post(client, key, address_id=world.grids[3].code, description="占道摆摊")
    assert by_grid.status_code == 200, by_grid.text
    ids = f"{by_address.json()[0]['service_request_id']},{by_grid.json()[0]['service_request_id']}"
    body = client.get(f"{BASE}/requests.json", params={"service_request_id": ids}).json()
    validate("requests.json", body)
    first, second = body
    assert first["address"] == "测试街道 幸福路12号门口" and first["lat"] is None
    assert second["address_id"] == world.grids[3].code and second["lat"] is not None
    errors_of(post(client, key, address_id="NO-SUCH-GRID"), 400)


def test_post_bad_or_missing_api_key_is_403(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    errors_of(post(client, "o311_not-a-key", lat=lat, long=lon), 403)
    errors_of(post(client, None, lat=lat, long=lon), 403)
    revoked, key = api_key(world)
    from smartgov.db import now

    revoked.revoked_at = now()
    world.session.commit()
    errors_of(post(client, key, lat=lat, long=lon), 403)
    root = xml_root(post(client, "bad", fmt="xml", lat=lat, long=lon), "errors")
    assert root.findtext("error/code") == "403"
    assert world.session.scalar(select(Case)) is None  # nothing was accepted


def test_post_location_must_be_exactly_one(client: TestClient, world: World) -> None:
    _, key = api_key(world)
    lon, lat = world.point(0)
    errors_of(post(client, key), 400)  # none
    errors_of(post(client, key, lat=lat, long=lon, address_string="幸福路12号"), 400)  # two
    errors_of(post(client, key, address_string="幸福路12号", address_id=world.grids[0].code), 400)
    errors_of(post(client, key, lat=lat), 400)  # lat without long
    [error] = errors_of(post(client, key, lat="north", long=lon), 400)  # FastAPI validation
    assert "lat" in error["description"]
    errors_of(post(client, key, lat=95, long=lon), 400)
    errors_of(post(client, key, lat=10.0, long=10.0), 400)  # outside the district
    assert world.session.scalar(select(Case)) is None


def test_post_unknown_service_and_bad_fields(client: TestClient, world: World) -> None:
    _, key = api_key(world)
    lon, lat = world.point(0)
    errors_of(post(client, key, service_code="9999", lat=lat, long=lon), 404)
    errors_of(client.post(f"{BASE}/requests.json", data={"api_key": key, "lat": lat,
                                                         "long": lon}), 400)  # no service_code
    errors_of(post(client, key, lat=lat, long=lon, description="长" * 4001), 400)
    errors_of(post(client, key, lat=lat, long=lon, phone="call me"), 400)


def test_post_attributes_checked_and_kept(client: TestClient, world: World) -> None:
    world.cats["garbage"].attributes = SIZE_ATTRIBUTE
    world.session.commit()
    _, key = api_key(world)
    lon, lat = world.point(1)
    base = {"service_code": "1101", "lat": lat, "long": lon, "description": "路边堆了垃圾"}
    errors_of(post(client, key, **base), 400)  # required SIZE missing
    errors_of(post(client, key, **base, **{"attribute[SIZE]": "XL"}), 400)  # not a listed key
    errors_of(post(client, key, **base, **{"attribute[SIZE]": "L", "attribute[COLOR]": "红"}), 400)
    ok = post(client, key, **base, **{"attribute[SIZE]": "L", "attribute[NOTE]": "靠近公交站"})
    assert ok.status_code == 200, ok.text
    case = world.session.scalar(select(Case))
    assert case is not None
    assert "垃圾量：大量" in case.description and "补充说明：靠近公交站" in case.description
    assert case.status == "reported"  # a public report of 1101 waits for verification (核实)


def test_post_without_description_uses_service_name(client: TestClient, world: World) -> None:
    _, key = api_key(world)
    number = post_at(client, world, key)
    case = world.session.scalar(select(Case).where(Case.case_no == number))
    assert case is not None and "占道经营" in case.description


# --- GET /requests ------------------------------------------------------------------------------

def test_requests_by_id_list(client: TestClient, world: World, validate: Validate) -> None:
    _, key = api_key(world)
    first, second, third = (post_at(client, world, key, grid=i) for i in range(3))
    response = client.get(f"{BASE}/requests.json",
                          params={"service_request_id": f"{third},{first},NOPE",
                                  "status": "closed", "service_code": "1101"})
    body = response.json()
    validate("requests.json", body)
    assert [r["service_request_id"] for r in body] == [third, first]  # ids override the filters
    root = xml_root(client.get(f"{BASE}/requests.xml", params={"service_request_id": second}),
                    "service_requests")
    [req] = root.findall("request")
    assert req.findtext("service_request_id") == second
    assert req.findtext("status") == "open" and req.findtext("agency_responsible") == "区城管执法局"


def test_requests_status_and_service_code_filters(client: TestClient, world: World,
                                                  validate: Validate) -> None:
    _, key = api_key(world)
    open_id = post_at(client, world, key, grid=0)
    closed_id = post_at(client, world, key, grid=1)
    garbage_id = post_at(client, world, key, grid=2, service_code="1101")
    closed = world.session.scalar(select(Case).where(Case.case_no == closed_id))
    assert closed is not None
    closed.status, closed.result_note = "closed", "摊贩已劝离"
    world.session.commit()

    def ids(**params: str) -> list[str]:
        body = client.get(f"{BASE}/requests.json", params=params).json()
        validate("requests.json", body)
        return sorted(r["service_request_id"] for r in body)

    assert ids() == sorted([open_id, closed_id, garbage_id])
    assert ids(status="open") == sorted([open_id, garbage_id])
    assert ids(status="closed") == [closed_id]
    assert ids(status="open,closed") == sorted([open_id, closed_id, garbage_id])
    assert ids(service_code="1101") == [garbage_id]
    assert ids(service_code="1101,1402", status="open") == sorted([open_id, garbage_id])
    errors_of(client.get(f"{BASE}/requests.json", params={"status": "pending"}), 400)

    [req] = client.get(f"{BASE}/requests/{closed_id}.json").json()
    assert req["status"] == "closed" and req["status_notes"] == "摊贩已劝离"
    assert req["expected_datetime"] is None


def test_requests_date_range(client: TestClient, world: World, validate: Validate) -> None:
    _, key = api_key(world)
    number = post_at(client, world, key)
    today = datetime.now().astimezone()
    window = {"start_date": (today - timedelta(days=2)).isoformat(),
              "end_date": (today + timedelta(days=1)).isoformat()}
    body = client.get(f"{BASE}/requests.json", params=window).json()
    validate("requests.json", body)
    assert [r["service_request_id"] for r in body] == [number]
    past = client.get(f"{BASE}/requests.json",
                      params={"start_date": "2024-01-01", "end_date": "2024-02-01"}).json()
    assert past == []
    assert client.get(f"{BASE}/requests.json",
                      params={"start_date": (today - timedelta(days=5)).isoformat()}).json() != []
    [error] = errors_of(client.get(f"{BASE}/requests.json",
                                   params={"start_date": "2024-01-01", "end_date": "2024-06-01"}),
                        400)
    assert "90" in error["description"]
    errors_of(client.get(f"{BASE}/requests.json",
                         params={"start_date": "2024-03-01", "end_date": "2024-02-01"}), 400)
    errors_of(client.get(f"{BASE}/requests.json", params={"start_date": "yesterday"}), 400)
    root = xml_root(client.get(f"{BASE}/requests.xml",
                               params={"start_date": "2024-01-01", "end_date": "2024-12-01"}),
                    "errors")
    assert root.findtext("error/code") == "400"


def test_requests_pages(client: TestClient, world: World, validate: Validate) -> None:
    _, key = api_key(world)
    numbers = [post_at(client, world, key, grid=i % 4) for i in range(3)]

    def page(number: int, size: int) -> list[str]:
        body = client.get(f"{BASE}/requests.json",
                          params={"page": number, "page_size": size}).json()
        validate("requests.json", body)
        return [r["service_request_id"] for r in body]

    newest_first = list(reversed(numbers))
    assert page(1, 2) == newest_first[:2]
    assert page(2, 2) == newest_first[2:]
    assert page(3, 2) == []
    errors_of(client.get(f"{BASE}/requests.json", params={"page_size": 1001}), 400)
    errors_of(client.get(f"{BASE}/requests.json", params={"page": 0}), 400)


def test_unknown_request_is_404(client: TestClient, world: World) -> None:
    errors_of(client.get(f"{BASE}/requests/2099010100000001.json"), 404)
    root = xml_root(client.get(f"{BASE}/requests/2099010100000001.xml"), "errors")
    assert root.findtext("error/code") == "404"


def test_petitions_are_never_published(client: TestClient, world: World) -> None:
    case = report(world, "stall", who=None, source=Source.PETITION, description="信访件：反映占道经营问题",
                  reporter_phone=None, run_jobs=False)
    assert client.get(f"{BASE}/requests.json").json() == []
    errors_of(client.get(f"{BASE}/requests/{case.case_no}.json"), 404)
    errors_of(client.get(f"{BASE}/tokens/{case.tracking_code}.json"), 404)


def test_media_url_points_at_the_first_photo(client: TestClient, world: World,
                                             validate: Validate) -> None:
    _, key = api_key(world)
    number = post_at(client, world, key)
    case = world.session.scalar(select(Case).where(Case.case_no == number))
    assert case is not None
    save_attachment(world.session, case, PNG, "stall.png")
    world.session.commit()
    [req] = client.get(f"{BASE}/requests/{number}.json").json()
    validate("request.json", req)
    assert req["media_url"].startswith(f"http://testserver{BASE}/media/{number}/")
    photo = client.get(req["media_url"])
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["content-type"] == "image/png"
    errors_of(client.get(f"{BASE}/media/{number}/999999"), 404)


def test_merged_request_is_closed_and_names_its_master(client: TestClient, world: World) -> None:
    _, key = api_key(world)
    master_id, child_id = post_at(client, world, key), post_at(client, world, key)
    master = world.session.scalar(select(Case).where(Case.case_no == master_id))
    child = world.session.scalar(select(Case).where(Case.case_no == child_id))
    assert master is not None and child is not None
    child.status, child.merged_into_id = "merged", master.id
    world.session.commit()
    [req] = client.get(f"{BASE}/requests/{child_id}.json").json()
    assert req["status"] == "closed" and master_id in req["status_notes"]


# --- tokens -------------------------------------------------------------------------------------

def test_tokens(client: TestClient, world: World) -> None:
    _, key = api_key(world)
    number = post_at(client, world, key)
    case = world.session.scalar(select(Case).where(Case.case_no == number))
    assert case is not None
    body = client.get(f"{BASE}/tokens/{case.tracking_code}.json").json()
    assert body == [{"service_request_id": number, "token": case.tracking_code}]
    root = xml_root(client.get(f"{BASE}/tokens/{case.tracking_code.lower()}.xml"),
                    "service_requests")
    assert root.findtext("request/service_request_id") == number
    errors_of(client.get(f"{BASE}/tokens/ZZZZZ-ZZZZZ.json"), 404)


def test_intake_is_audited_with_the_client_address(client: TestClient, world: World) -> None:
    _, key = api_key(world)
    number = post_at(client, world, key)
    case = world.session.scalar(select(Case).where(Case.case_no == number))
    assert case is not None
    entry = world.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.intake",
                                                          AuditEntry.object_id == str(case.id)))
    assert entry is not None


# --- key administration and CLI -----------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def web_login(client: TestClient, username: str) -> None:
    from tests.factories import PASSWORD

    token = CSRF_RE.search(client.get("/login").text)
    assert token is not None
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token.group(1)}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_admin_creates_and_revokes_a_key(client: TestClient, world: World) -> None:
    admin = UserFactory(roles=["system_admin"])
    world.session.commit()
    web_login(client, admin.username)
    page = client.get("/admin/open311")
    assert page.status_code == 200 and "Open311 接入管理" in page.text
    token = CSRF_RE.search(page.text)
    assert token is not None
    refused = client.post("/admin/open311", data={"name": "无令牌"})
    assert refused.status_code == 403  # CSRF
    created = client.post("/admin/open311",
                          data={"name": "市民随手拍", "csrf_token": token.group(1)})
    assert created.status_code == 200, created.text
    match = re.search(r'<code id="api-key">(o311_[^<]+)</code>', created.text)
    assert match, created.text
    key = match.group(1)
    o311 = client_for_key(world.session, key)
    assert o311 is not None and o311.name == "市民随手拍"
    assert key not in client.get("/admin/open311").text  # shown once only
    assert world.session.scalar(select(AuditEntry).where(AuditEntry.action == "open311.key_create"))

    lon, lat = world.point(0)
    assert post(client, key, lat=lat, long=lon).status_code == 200
    revoked = client.post(f"/admin/open311/{o311.id}/revoke", data={"csrf_token": token.group(1)},
                          follow_redirects=False)
    assert revoked.status_code == 303
    world.session.expire_all()
    assert client_for_key(world.session, key) is None
    errors_of(post(client, key, lat=lat, long=lon), 403)


def test_admin_page_is_for_system_admins_only(client: TestClient, world: World) -> None:
    assert client.get("/admin/open311", follow_redirects=False).status_code in (303, 401)
    web_login(client, world.users["dispatcher"].username)
    assert client.get("/admin/open311").status_code == 403


def test_cli_prints_the_key_last(world: World) -> None:
    from typer.testing import CliRunner

    from smartgov.cli import app

    result = CliRunner().invoke(app, ["open311", "key", "create", "热线对接"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("o311_")
    world.session.expire_all()
    client = client_for_key(world.session, key)
    assert client is not None and client.name == "热线对接"


def test_category_without_attributes_has_no_metadata(world: World) -> None:
    from smartgov.cases.open311.views import service_attributes, service_out

    category = world.session.scalar(select(Category).where(Category.code == "1402"))
    assert category is not None
    assert service_out(category)["metadata"] is False and service_attributes(category) == []
