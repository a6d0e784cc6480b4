"""A small world for case tests: one street of 4 grids, departments, categories, staff."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.service import principal_for
from smartgov.cases.models import Category
from smartgov.org.models import Area, Department
from tests.factories import (
    AreaFactory,
    CategoryFactory,
    DepartmentFactory,
    RequestTypeFactory,
    UserFactory,
    square,
    using,
)

LON, LAT = 120.170, 30.280
SIZE = 0.002  # about 200 m


@dataclass
class World:
    session: Session
    street: Area
    community: Area
    grids: list[Area]
    depts: dict[str, Department]
    cats: dict[str, Category]
    users: dict[str, User] = field(default_factory=dict)

    def p(self, name: str) -> Principal:
        """The principal of a named user, as the auth layer builds it."""
        return principal_for(self.users[name], "127.0.0.1", "test", session=self.session)

    def point(self, grid_index: int = 0) -> tuple[float, float]:
        col, row = grid_index % 2, grid_index // 2
        return LON + SIZE * col + SIZE / 2, LAT + SIZE * row + SIZE / 2


def build_world(session: Session) -> World:
    """The world, written and committed through the factories in this session."""
    with using(session):
        return _build_world(session)


def _build_world(session: Session) -> World:
    whole = square(LON, LAT, SIZE * 2)
    district = AreaFactory(level="district", code="330100", name="测试区", polygon=whole)
    street = AreaFactory(level="street", code="330100001", name="测试街道", parent=district, polygon=whole)
    community = AreaFactory(
        level="community", code="330100001001", name="测试社区", parent=street, polygon=whole
    )
    grids = [
        AreaFactory(
            code=f"330100001001{i + 1:03d}",
            name=f"网格{i + 1}",
            parent=community,
            polygon=square(LON + SIZE * (i % 2), LAT + SIZE * (i // 2), SIZE),
        )
        for i in range(4)
    ]
    depts = {
        code: DepartmentFactory(code=code, name=name)
        for code, name in (
            ("CG", "区城管执法局"),
            ("SZ", "区市政管理处"),
            ("HW", "区环卫所"),
            ("ZX", "区指挥中心"),
        )
    }
    major = CategoryFactory(code="11", name="市容环境", kind="event", level="major")
    cats = {
        "garbage": CategoryFactory(
            code="1101", name="暴露垃圾", parent=major, department=depts["HW"], handle_limit="4wh"
        ),
        "stall": CategoryFactory(
            code="1402",
            name="占道经营",
            parent=major,
            department=depts["CG"],
            handle_limit="1wd",
            needs_verify=False,
            direct_dispatch=True,
        ),
        "noise": CategoryFactory(
            code="1107",
            name="噪声扰民",
            parent=major,
            department=depts["CG"],
            handle_limit="3wd",
            needs_verify=False,
            needs_recheck=False,
            direct_dispatch=True,
        ),
    }
    RequestTypeFactory(code="complaint", name="投诉", handle_limit="13wd")
    RequestTypeFactory(code="consult", name="咨询", handle_limit="1wd", needs_callback=False)
    world = World(session, street, community, grids, depts, cats)
    zx = depts["ZX"]
    world.users = {
        "operator": UserFactory(roles=["hotline_operator"], department=zx),
        "inspector": UserFactory(roles=["inspector"], department=zx, areas=grids[:2]),
        "inspector2": UserFactory(roles=["inspector"], department=zx, areas=grids[2:3]),
        "chief": UserFactory(roles=["duty_chief"], department=zx),
        "dispatcher": UserFactory(roles=["dispatcher"], department=zx),
        "handler": UserFactory(roles=["handler"], department=depts["HW"]),
        "handler_cg": UserFactory(roles=["handler"], department=depts["CG"]),
        "supervisor": UserFactory(roles=["supervisor"], department=zx),
        "citizen": UserFactory(roles=["citizen"]),
        "citizen2": UserFactory(roles=["citizen"]),
        "auditor": UserFactory(roles=["audit_admin"]),
    }
    session.commit()
    return world


@pytest.fixture()
def world(session: Session) -> World:
    return build_world(session)
