"""A small world for sensor tests: the case world, the built-in profiles and a few devices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from smartgov.cases.catalogue.service import CATEGORY_ATTRIBUTES
from smartgov.iot import catalogue
from smartgov.iot.models import Device, DeviceProfile
from tests.cases.conftest import World, build_world
from tests.factories import CategoryFactory, DeviceFactory, UserFactory, using

T0 = datetime.fromisoformat("2026-11-30T10:00:00+08:00")  # a Monday morning


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class IotWorld:
    world: World
    profiles: dict[str, DeviceProfile]
    cover: Device
    lamp: Device
    gauge: Device

    @property
    def session(self) -> Session:
        return self.world.session


def build_iot(session: Session) -> IotWorld:
    world = build_world(session)
    with using(session):
        CategoryFactory(
            code="0101",
            name="井盖破损缺失",
            department=world.depts["SZ"],
            needs_verify=True,
            attributes=CATEGORY_ATTRIBUTES["0101"],
        )
        CategoryFactory(
            code="0102", name="路灯不亮", department=world.depts["SZ"], attributes=CATEGORY_ATTRIBUTES["0102"]
        )
        profiles = catalogue.ensure_builtin(session)
        lon, lat = world.point(0)
        cover = DeviceFactory(
            code="JG-0001",
            name="文三路井盖1号",
            profile=profiles["manhole_cover"],
            department=world.depts["SZ"],
            lon=lon,
            lat=lat,
            grid_id=world.grids[0].id,
            address="文三路 1 号门前",
            attributes={"cover_type": "sewage"},
            token="cover-token",
        )
        lamp = DeviceFactory(
            code="LD-0001",
            name="文三路路灯1号",
            profile=profiles["street_lamp"],
            department=world.depts["SZ"],
            lon=lon,
            lat=lat,
            token="lamp-token",
            attributes={"pole_no": "WS-0001", "street": "文三路"},
        )
        gauge = DeviceFactory(
            code="SW-0001",
            name="下穿通道水位",
            profile=profiles["flood_gauge"],
            department=world.depts["SZ"],
            lon=lon,
            lat=lat,
            token="gauge-token",
        )
        world.users["handler_sz"] = UserFactory(roles=["handler"], department=world.depts["SZ"])
    session.commit()
    return IotWorld(world, profiles, cover, lamp, gauge)


@pytest.fixture()
def iot(session: Session) -> IotWorld:
    return build_iot(session)
