"""路灯控制 thresholds, the demo fleet and the simulator's readings against the profiles."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.iot import catalogue, ingest, lamps, simulate
from smartgov.iot.demo import DEMO_FLEET, load_demo_devices
from smartgov.iot.models import Device


@pytest.mark.parametrize(
    ("lux", "was_on", "on"),
    [
        (149.9, False, True),
        (150, False, False),
        (150, True, True),
        (500, True, True),
        (500, False, False),
        (500.1, True, False),
        (10, True, True),
        (60_000, False, False),
    ],
)
def test_lamp_switches_below_150_and_above_500_lux(lux: float, was_on: bool, on: bool) -> None:
    assert lamps.should_be_on(lux, was_on, datetime.fromisoformat("2026-11-30T12:00:00+08:00")) is on


def test_without_a_light_sensor_the_schedule_decides() -> None:
    assert lamps.should_be_on(None, False, datetime.fromisoformat("2026-11-30T18:00:00+08:00"))
    assert not lamps.should_be_on(None, True, datetime.fromisoformat("2026-11-30T06:30:00+08:00"))


def test_daylight_curve() -> None:
    assert lamps.daylight_lux(3) == 2 and lamps.daylight_lux(12) == pytest.approx(60_002)
    assert lamps.daylight_lux(17.95) < 150 < lamps.daylight_lux(17.5)


def test_demo_fleet_once_and_every_simulated_reading_is_valid(session: Session) -> None:
    from smartgov.org.demo import build_demo_district

    build_demo_district(session, seed=1)
    from smartgov.cases.catalogue.service import load_demo_catalogue

    load_demo_catalogue(session)
    added = load_demo_devices(session)
    assert added == sum(n for *_, n, _ in DEMO_FLEET)
    assert load_demo_devices(session) == 0
    assert session.scalar(select(func.count()).select_from(Device).where(Device.grid_id.is_(None))) == 0
    profiles = {p.id: p for p in catalogue.ensure_builtin(session).values()}
    for device in session.scalars(select(Device)):
        sim = simulate.Sim(device.code, profiles[device.profile_id].code, 0, random.Random(1))
        for elapsed, hour in ((0, 3.0), (60, 12.0), (120, 20.0)):
            values = simulate.reading(sim, elapsed, hour)
            keys = profiles[device.profile_id].telemetry
            assert set(values) <= set(keys), device.code
            for key, value in values.items():
                assert ingest.check_value(keys[key], key, value)[1] is None, (device.code, key, value)


def test_energy_per_lamp_and_per_street(session: Session) -> None:
    from tests.factories import DeviceFactory, using
    from tests.iot.conftest import at, build_iot

    iot = build_iot(session)
    with using(session):
        DeviceFactory(
            code="LD-0002",
            profile=iot.profiles["street_lamp"],
            attributes={"street": "文三路"},
            token="lamp-token-2",
        )
        DeviceFactory(
            code="LD-0009",
            profile=iot.profiles["street_lamp"],
            attributes={"street": "学院路"},
            token="lamp-token-9",
        )
    session.commit()
    readings = [
        ("LD-0001", 0, 100.0),
        ("LD-0001", 3600, 100.5),
        ("LD-0001", 7200, 101.25),
        ("LD-0002", 0, 50.0),
        ("LD-0002", 7200, 50.75),
        ("LD-0009", 0, 10.0),
        ("LD-0009", 9000, 12.0),
    ]
    ingest.store(session, [ingest.Reading(code, at(t), {"energy": kwh}) for code, t, kwh in readings])
    session.commit()
    per_lamp, per_street = lamps.lamp_energy(session, at(0), at(7200))
    assert per_lamp == {"LD-0001": 1.25, "LD-0002": 0.75, "LD-0009": 0.0}
    assert per_street == {"文三路": 2.0, "学院路": 0.0}
