"""A small world for case tests: one street of 4 grids, departments, categories, staff."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.service import principal_for
from smartgov.cases.models import Category, RequestType
from smartgov.org.models import Area, Department
from tests.factories import make_area, make_department, make_user, square

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
    district = make_area(
        session, "district", code="330100", name="测试区", geometry=square(LON, LAT, SIZE * 2)
    )
    street = make_area(
        session,
        "street",
        code="330100001",
        name="测试街道",
        parent=district,
        geometry=square(LON, LAT, SIZE * 2),
    )
    community = make_area(
        session,
        "community",
        code="330100001001",
        name="测试社区",
        parent=street,
        geometry=square(LON, LAT, SIZE * 2),
    )
    grids = [
        make_area(
            session,
            "grid",
            code=f"330100001001{i + 1:03d}",
            name=f"网格{i + 1}",
            parent=community,
            geometry=square(LON + SIZE * (i % 2), LAT + SIZE * (i // 2), SIZE),
        )
        for i in range(4)
    ]
    depts = {
        code: make_department(session, code=code, name=name)
        for code, name in (
            ("CG", "区城管执法局"),
            ("SZ", "区市政管理处"),
            ("HW", "区环卫所"),
            ("ZX", "区指挥中心"),
        )
    }
    major = Category(code="11", name="市容环境", kind="event", level="major")
    session.add(major)
    session.flush()
    cats = {
        "garbage": Category(
            code="1101",
            name="暴露垃圾",
            level="minor",
            parent_id=major.id,
            default_department_id=depts["HW"].id,
            handle_limit="4wh",
        ),
        "stall": Category(
            code="1402",
            name="占道经营",
            level="minor",
            parent_id=major.id,
            default_department_id=depts["CG"].id,
            handle_limit="1wd",
            needs_verify=False,
            direct_dispatch=True,
        ),
        "noise": Category(
            code="1107",
            name="噪声扰民",
            level="minor",
            parent_id=major.id,
            default_department_id=depts["CG"].id,
            handle_limit="3wd",
            needs_verify=False,
            needs_recheck=False,
            direct_dispatch=True,
        ),
    }
    session.add_all(cats.values())
    session.add(RequestType(code="complaint", name="投诉", handle_limit="13wd"))
    session.add(RequestType(code="consult", name="咨询", handle_limit="1wd", needs_callback=False))
    session.flush()
    world = World(session, street, community, grids, depts, cats)
    world.users = {
        "operator": make_user(session, "hotline_operator", department=depts["ZX"]),
        "inspector": make_user(
            session, "inspector", department=depts["ZX"], areas=(grids[0], grids[1])
        ),
        "inspector2": make_user(session, "inspector", department=depts["ZX"], areas=(grids[2],)),
        "chief": make_user(session, "duty_chief", department=depts["ZX"]),
        "dispatcher": make_user(session, "dispatcher", department=depts["ZX"]),
        "handler": make_user(session, "handler", department=depts["HW"]),
        "handler_cg": make_user(session, "handler", department=depts["CG"]),
        "supervisor": make_user(session, "supervisor", department=depts["ZX"]),
        "citizen": make_user(session, "citizen"),
        "citizen2": make_user(session, "citizen"),
        "auditor": make_user(session, "audit_admin"),
    }
    session.commit()
    return world


@pytest.fixture()
def world(session: Session) -> World:
    return build_world(session)
