"""A small world for 舆情 tests: a street with a community and two grids, an officer, sources, terms."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.service import principal_for
from smartgov.opinion.models import AlertRule, OpinionSource
from smartgov.org.models import Area
from tests.factories import (
    PASSWORD,
    AreaFactory,
    DepartmentFactory,
    OpinionSourceFactory,
    SensitiveTermFactory,
    UserFactory,
    square,
    using,
)

LON, LAT = 120.170, 30.280
SIZE = 0.002


@dataclass
class OpinionWorld:
    session: Session
    street: Area
    community: Area
    grids: list[Area]
    source: OpinionSource
    users: dict[str, User] = field(default_factory=dict)

    def p(self, name: str) -> Principal:
        return principal_for(self.users[name], "127.0.0.1", "test", session=self.session)


def build(session: Session) -> OpinionWorld:
    with using(session):
        whole = square(LON, LAT, SIZE * 2)
        district = AreaFactory(level="district", code="330100", name="测试区", polygon=whole)
        street = AreaFactory(
            level="street", code="330100001", name="东湖街道", parent=district, polygon=whole
        )
        community = AreaFactory(
            level="community", code="330100001001", name="翠苑社区", parent=street, polygon=whole
        )
        grids = [
            AreaFactory(
                code=f"330100001001{i + 1:03d}",
                name=f"翠苑{i + 1}号网格",
                parent=community,
                polygon=square(LON + SIZE * i, LAT, SIZE),
            )
            for i in range(2)
        ]
        dept = DepartmentFactory(code="WX", name="区委网信办")
        source = OpinionSourceFactory(code="partner", name="合作方推送")
        for term, category, weight in (
            ("上访", "stability", 70),
            ("聚集", "mass_incident", 75),
            ("贪污", "corruption", 65),
            ("持刀", "public_security", 60),
        ):
            SensitiveTermFactory(term=term, category=category, weight=weight)
        session.add(
            AlertRule(
                name="敏感信息",
                kind="sensitive",
                params={"categories": [], "min_sensitivity": 1},
                level="严重",
                is_active=True,
            )
        )
        world = OpinionWorld(session, street, community, grids, source)
        world.users = {
            "officer": UserFactory(roles=["opinion_officer"], department=dept),
            "officer2": UserFactory(roles=["opinion_officer"], department=dept),
            "leader": UserFactory(roles=["leader"], department=dept),
            "handler": UserFactory(roles=["handler"], department=dept),
            "citizen": UserFactory(roles=["citizen"]),
        }
    session.commit()
    return world


@pytest.fixture()
def world(session: Session) -> OpinionWorld:
    return build(session)


def token(client: TestClient, world: OpinionWorld, name: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": world.users[name].username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
