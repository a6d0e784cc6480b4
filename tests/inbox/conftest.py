"""Fixtures of the 消息中心 tests: two departments, their people, a toy subject type."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from smartgov import inbox
from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.service import principal_for
from smartgov.inbox import service
from smartgov.org.models import Department
from tests.factories import DepartmentFactory, UserFactory


@dataclass
class People:
    session: Session
    roads: Department
    parks: Department
    ann: User  # 道路科
    bob: User  # 道路科
    cai: User  # 园林科
    citizen: User

    def p(self, user: User) -> Principal:
        return principal_for(user, session=self.session)


@pytest.fixture()
def people(session: Session) -> People:
    roads, parks = DepartmentFactory(name="道路科"), DepartmentFactory(name="园林科")
    found = People(
        session=session, roads=roads, parks=parks,
        ann=UserFactory(roles=["handler"], username="ann", department=roads),
        bob=UserFactory(roles=["handler"], username="bob", department=roads),
        cai=UserFactory(roles=["handler"], username="cai", department=parks),
        citizen=UserFactory(roles=["citizen"], username="citizen"),
    )
    session.commit()
    return found


@pytest.fixture(autouse=True)
def toy_subject() -> Iterator[None]:
    """A subject type of no domain: messages about toys lead to /toys/{id}."""
    inbox.register_subject("toy", lambda toy_id: f"/toys/{toy_id}")
    inbox.register_kinds({"toy_broken": "玩具损坏"})
    yield
    service._SUBJECT_LINKS.pop("toy", None)
    service._KIND_LABELS.pop("toy_broken", None)
