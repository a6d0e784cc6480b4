"""The whole API fuzzed from /openapi.json (schemathesis): no input makes a server error (5xx),
as an anonymous client and as a logged-in duty chief, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy.orm import Session

from tests.cases.conftest import World, build_world
from tests.web.conftest import bearer

EXAMPLES = 20  # per operation and client: a bounded, repeatable run (derandomised)


@pytest.fixture()
def world(session: Session) -> World:
    return build_world(session)


def fuzz(app: FastAPI, headers: dict[str, str]) -> list[str]:
    """Every operation with EXAMPLES valid and invalid inputs; the requests answered with a 5xx."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                f"path={case.path_parameters} query={case.query} body={case.body!r:.200}")

        run()
    return failures


def test_no_server_error_for_anonymous_clients(app: FastAPI, world: World) -> None:
    assert fuzz(app, {}) == []


def test_no_server_error_for_a_logged_in_duty_chief(app: FastAPI, world: World) -> None:
    with TestClient(app) as client:
        headers = bearer(client, world, "chief")
    assert fuzz(app, headers) == []
