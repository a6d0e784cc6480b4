"""The application as a whole: error responses in /openapi.json, bounded integers, no 500 on
out-of-range numbers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartgov.params import BIGINT_MAX
from tests.cases.conftest import World, build_world
from tests.web.conftest import bearer

ERROR_STATUSES = {"400", "401", "403", "404", "409", "413", "422"}
OPEN311_ERRORS = {"400", "403", "404", "413"}


@pytest.fixture()
def world(session: Session) -> World:
    return build_world(session)


def test_every_operation_declares_its_error_responses(app: FastAPI) -> None:
    document = app.openapi()
    assert set(document["components"]["schemas"]["ErrorOut"]["properties"]) == {"code", "message", "details"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            if path.startswith("/open311/"):
                assert declared >= OPEN311_ERRORS, (method, path)
                shape = operation["responses"]["404"]["content"]["application/json"]["schema"]
                assert shape["type"] == "array"
            elif path != "/healthz":
                assert declared >= ERROR_STATUSES, (method, path)
                schema = operation["responses"]["409"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)


def _integer_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    if schema.get("type") == "integer":
        return [schema]
    found = []
    for option in schema.get("anyOf", []):
        found += _integer_schemas(option)
    return found


def _bounded(schema: dict[str, Any]) -> bool:
    # JSON Schema numbers may come out as floats: 2**63 - 1 prints as 9.223372036854776e18
    return "minimum" in schema and float(schema.get("maximum", float("inf"))) <= float(BIGINT_MAX)


def test_every_integer_parameter_and_input_field_is_bounded(app: FastAPI) -> None:
    document = app.openapi()
    unbounded, inputs = [], set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if not all(_bounded(s) for s in _integer_schemas(parameter["schema"])):
                    unbounded.append(f"{method} {path} {parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                inputs.add(content["schema"].get("$ref", "").rsplit("/", 1)[-1])
    assert {"CaseIntake", "ActionInput", "PersonalTokenCreate"} <= inputs
    for name in inputs - {""}:
        for field, schema in document["components"]["schemas"][name].get("properties", {}).items():
            if not all(_bounded(s) for s in _integer_schemas(schema)):
                unbounded.append(f"{name}.{field}")
    assert unbounded == []


@pytest.mark.parametrize("url", [
    "/api/v1/org/areas?offset=36893488147419103232",
    "/api/v1/org/areas?parent=18446744073709551616",
    "/api/v1/org/areas/2147483648",
    "/api/v1/cases/18446744073709551616",
    "/api/v1/cases?page=18446744073709551616",
    "/api/v1/workclock/days/99999",
    "/api/v1/workclock/days/0",
])
def test_numbers_beyond_range_are_422_in_chinese(client: TestClient, world: World, url: str) -> None:
    response = client.get(url, headers=bearer(client, world, "chief"))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_failed"
    assert response.json()["message"].startswith("输入有误")


@pytest.mark.parametrize(("url", "status"), [
    ("/api/v1/cases/2147483647", 404),  # the largest key an INTEGER column holds: looked up, not found
    ("/api/v1/workclock/days/2100", None),
    ("/api/v1/workclock/days/1900", None),
])
def test_numbers_at_the_bounds_are_looked_up(client: TestClient, world: World, url: str,
                                             status: int | None) -> None:
    response = client.get(url, headers=bearer(client, world, "chief"))
    assert response.status_code != 422 and response.status_code < 500, response.text
    if status:
        assert response.status_code == status


def test_open311_page_beyond_range_is_a_georeport_400(client: TestClient) -> None:
    response = client.get(f"/open311/v2/requests.json?page={2**64}")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_action_ids_beyond_range_are_refused(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/cases/1/actions/merge", json={"master_case_id": 2**64, "version": 2**70},
                           headers=bearer(client, world, "chief"))
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"master_case_id", "version"}
