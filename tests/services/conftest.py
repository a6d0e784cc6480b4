"""A small world for 一网通办 tests: a service centre, a lead and three co-departments, staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.service import principal_for
from smartgov.org.models import Department
from smartgov.services.models import ServiceItem
from tests.factories import DepartmentFactory, ServiceItemFactory, UserFactory, using

TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class World:
    session: Session
    depts: dict[str, Department]
    item: ServiceItem  # 企业开办-like joint item: lead shichang, co-depts tax, police, social
    single: ServiceItem  # one department, two-level sign-off, charged, pay before delivery
    users: dict[str, User] = field(default_factory=dict)

    def p(self, name: str) -> Principal:
        return principal_for(self.users[name], "127.0.0.1", "test", session=self.session)


def at(day: str, hm: str = "09:00") -> datetime:
    """A moment in Asia/Shanghai, e.g. at("2026-03-02", "10:00")."""
    return datetime.fromisoformat(f"{day}T{hm}:00").replace(tzinfo=TZ)


def build(session: Session) -> World:
    with using(session):
        depts = {
            code: DepartmentFactory(code=code, name=name)
            for code, name in (
                ("zhengwu", "区政务服务中心"),
                ("shichang", "区市场监督管理局"),
                ("tax", "区税务局"),
                ("gongan", "公安分局"),
                ("renshe", "区人力资源和社会保障局"),
            )
        }
        item = ServiceItemFactory(
            name="企业开办",
            department=depts["shichang"],
            audience="enterprise",
            deemed_consent=True,
            joint_departments=[
                {"code": "tax", "days": 3},
                {"code": "gongan", "days": 3},
                {"code": "renshe", "days": 5},
            ],
            special_procedures=[{"kind": "inspection", "label": "现场核查", "days": 5}],
        )
        single = ServiceItemFactory(
            name="食品经营许可",
            department=depts["shichang"],
            sign_off_levels=2,
            charged=True,
            fee_cents=5000,
            pay_before_delivery=True,
        )
        users = {
            "clerk": UserFactory(
                roles=["window_clerk"], department=depts["zhengwu"], display_name="窗口郑丽"
            ),
            "lead": UserFactory(roles=["approver"], department=depts["shichang"], display_name="审批冯涛"),
            "lead2": UserFactory(roles=["approver"], department=depts["shichang"], display_name="审批王二"),
            "tax": UserFactory(roles=["approver"], department=depts["tax"]),
            "gongan": UserFactory(roles=["approver"], department=depts["gongan"]),
            "renshe": UserFactory(roles=["approver"], department=depts["renshe"]),
            "supervisor": UserFactory(roles=["supervisor"]),
            "leader": UserFactory(roles=["leader"]),
            "company": UserFactory(
                roles=["enterprise"],
                display_name="杭州示例科技有限公司",
                id_number="91330100MA2XXXXX1X",
                phone="13800001111",
            ),
            "person": UserFactory(
                roles=["citizen"], display_name="张三", id_number="330102199001011234", phone="13800002222"
            ),
        }
        session.commit()
        return World(session, depts, item, single, users)


@pytest.fixture()
def world(session: Session) -> World:
    return build(session)
