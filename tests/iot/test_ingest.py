"""遥测接入: parsing device and gateway messages, checks, storage and the latest values."""

from __future__ import annotations

from sqlalchemy import func, select

from smartgov.iot import ingest
from smartgov.iot.models import Device, Telemetry
from tests.iot.conftest import IotWorld, at


def test_device_message_forms_as_thingsboard_sends_them() -> None:
    flat = ingest.device_readings("A", b'{"tilt": 3}', at(0))
    assert [(r.device, r.ts, r.values) for r in flat] == [("A", at(0), {"tilt": 3})]
    stamped = ingest.device_readings("A", '[{"ts": 1764468000000, "values": {"tilt": 4}}]', at(0))
    assert stamped[0].ts.isoformat() == "2025-11-30T02:00:00+00:00" and stamped[0].values == {"tilt": 4}


def test_gateway_message_carries_many_devices() -> None:
    found = ingest.gateway_readings(
        '{"JG-1": [{"ts": 1764468000000, "values": {"tilt": 1}}], "LD-1": [{"power": 80}, {"power": 81}]}',
        at(0),
    )
    assert [(r.device, r.values) for r in found] == [
        ("JG-1", {"tilt": 1}),
        ("LD-1", {"power": 80}),
        ("LD-1", {"power": 81}),
    ]


def test_malformed_messages_are_refused() -> None:
    for bad in (
        b"not json",
        b"[1, 2]",
        b'{"ts": "yesterday", "values": {}}',
        b'{"values": 3}',
        b'{"ts": "2026-11-30T10:00:00", "values": {}}',
    ):
        try:
            ingest.device_readings("A", bad, at(0))
        except ingest.BadMessage:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_store_keeps_good_values_and_counts_the_bad_per_device(iot: IotWorld) -> None:
    s = iot.session
    readings = [
        ingest.Reading("JG-0001", at(0), {"tilt": 3.5, "batteryLevel": 150, "open": 0}),
        ingest.Reading("JG-0001", at(1), {"humidity": 40, "tilt": "x"}),
        ingest.Reading("NOPE", at(1), {"tilt": 1}),
        ingest.Reading("LD-0001", at(1), {"power": 90}),
    ]
    result = ingest.store(s, readings)
    s.commit()
    assert (result.stored, result.rejected, result.unknown_devices) == (3, 3, 1)
    assert s.scalar(select(func.count()).select_from(Telemetry)) == 3
    s.expire_all()
    cover = s.get(Device, iot.cover.id)
    assert cover is not None
    assert cover.rejected_count == 3
    assert cover.latest == {"tilt": [3.5, at(0).isoformat()], "open": [0.0, at(0).isoformat()]}
    assert cover.last_seen_at == at(0)
    lamp = s.get(Device, iot.lamp.id)
    assert lamp is not None and lamp.rejected_count == 0 and lamp.last_seen_at == at(1)


def test_range_bounds_are_inclusive(iot: IotWorld) -> None:
    s = iot.session
    result = ingest.store(
        s,
        [
            ingest.Reading("JG-0001", at(0), {"batteryLevel": 0, "tilt": 180}),
            ingest.Reading("JG-0001", at(1), {"batteryLevel": -0.1, "tilt": 180.1}),
        ],
    )
    assert (result.stored, result.rejected) == (2, 2)


def test_a_redelivered_reading_is_stored_once(iot: IotWorld) -> None:
    s = iot.session
    ingest.store(s, [ingest.Reading("LD-0001", at(0), {"power": 90})])
    s.commit()
    ingest.store(s, [ingest.Reading("LD-0001", at(0), {"power": 90})])
    s.commit()
    assert s.scalar(select(func.count()).select_from(Telemetry)) == 1
