"""A small exchange world: 公安 keeps the population registry, 民政 asks for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.service import principal_for
from smartgov.org.models import Department
from smartgov.registry import service as registry
from tests.factories import DepartmentFactory, UserFactory, person_row, registry_resource

ELDER = "11010519491231002X"  # 独居老人
OTHER = "440524188001010014"


@dataclass
class XWorld:
    session: Session
    police: Department
    civil: Department
    users: dict[str, User]
    resource: Any

    def p(self, name: str) -> Principal:
        return principal_for(self.users[name], "127.0.0.1", "test", session=self.session)


@pytest.fixture()
def xworld(session: Session) -> XWorld:
    police = DepartmentFactory(code="gongan", name="公安分局")
    civil = DepartmentFactory(code="minzheng", name="区民政局")
    users = {
        "police": UserFactory(username="police", roles=["handler"], department=police),
        "civil": UserFactory(username="civil", roles=["handler"], department=civil),
        "auditor": UserFactory(username="auditor", roles=["audit_admin"], department=civil),
    }
    registry.import_rows(
        session,
        "person",
        [person_row(ELDER, "王芳", 人员标签="独居老人"), person_row(OTHER, "李强")],
        filename="p.csv",
        department_id=police.id,
        actor_name="police",
    )
    resource = registry_resource(session, police, code="RK-DJLR", tag="独居老人")
    session.commit()
    return XWorld(session, police, civil, users, resource)
