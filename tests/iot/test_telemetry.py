"""遥测历史: hourly roll-ups, retention, the chart series and (PostgreSQL) monthly partitions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from smartgov.iot import ingest, telemetry
from smartgov.iot.models import Telemetry, TelemetryHour
from tests.iot.conftest import IotWorld

NOON = datetime.fromisoformat("2026-11-30T12:00:00+08:00")


def test_hourly_roll_up_by_hand(iot: IotWorld) -> None:
    s = iot.session
    values = [(0, 10.0), (600, 30.0), (3599, 20.0), (3600, 5.0)]
    ingest.store(s, [ingest.Reading("LD-0001", NOON + timedelta(seconds=t), {"power": v}) for t, v in values])
    assert telemetry.roll_up(s, NOON, NOON + timedelta(hours=2)) == 2
    s.commit()
    rows = s.scalars(select(TelemetryHour).order_by(TelemetryHour.hour)).all()
    first, second = ((r.count, r.total, r.minimum, r.maximum, r.first, r.last) for r in rows)
    assert first == (3, 60.0, 10.0, 30.0, 10.0, 20.0) and second == (1, 5.0, 5.0, 5.0, 5.0, 5.0)
    # a second run replaces the hour instead of adding to it
    telemetry.roll_up(s, NOON, NOON + timedelta(hours=2))
    assert s.scalar(select(func.sum(TelemetryHour.count))) == 4
    # beyond three days the chart draws hourly means
    long = telemetry.series(s, iot.lamp.id, "power", NOON - timedelta(days=5), NOON + timedelta(hours=2))
    assert [v for _, v in long] == [20.0, 5.0]
    short = telemetry.series(s, iot.lamp.id, "power", NOON, NOON + timedelta(hours=2))
    assert [v for _, v in short] == [10.0, 30.0, 20.0, 5.0]


def test_upkeep_drops_readings_past_retention(iot: IotWorld) -> None:
    s = iot.session
    old, recent = NOON - timedelta(days=401), NOON - timedelta(days=399)
    ingest.store(
        s, [ingest.Reading("LD-0001", old, {"power": 1}), ingest.Reading("LD-0001", recent, {"power": 2})]
    )
    s.commit()
    telemetry.upkeep(s, NOON)
    assert s.scalars(select(Telemetry.value)).all() == [2.0]


def test_partition_ddl_covers_one_month() -> None:
    sql = telemetry.month_partition_sql(datetime.fromisoformat("2026-12-15T10:00:00+08:00"))
    assert sql == (
        "CREATE TABLE IF NOT EXISTS iot_telemetry_202612 PARTITION OF iot_telemetry "
        "FOR VALUES FROM ('2026-12-01T00:00:00+00:00') TO ('2027-01-01T00:00:00+00:00')"
    )


def test_the_migration_partitions_telemetry_on_postgresql(scratch_engine) -> None:  # type: ignore[no-untyped-def]
    from smartgov.migrate import upgrade

    upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        if scratch_engine.dialect.name != "postgresql":
            assert conn.execute(text("SELECT count(*) FROM iot_telemetry")).scalar() == 0
            return
        parts = (
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'iot_telemetry'"
                )
            )
            .scalars()
            .all()
        )
    assert "iot_telemetry_default" in parts and len(parts) == 4
