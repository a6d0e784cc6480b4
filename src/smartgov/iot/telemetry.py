"""遥测历史: series for charts, hourly roll-ups, monthly partitions (PostgreSQL) and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.iot.config import iot_settings
from smartgov.iot.ingest import _insert
from smartgov.iot.models import Telemetry, TelemetryHour

RAW_SPAN = timedelta(days=3)  # longer ranges are drawn from the hourly roll-ups


def series(session: Session, device_id: int, key: str, start: datetime, end: datetime) -> list[list[Any]]:
    """[[iso time, value], …] of one key: raw points for short ranges, hourly means beyond."""
    if end - start <= RAW_SPAN:
        rows = session.execute(
            select(Telemetry.ts, Telemetry.value)
            .where(
                Telemetry.device_id == device_id,
                Telemetry.key == key,
                Telemetry.ts >= start,
                Telemetry.ts <= end,
            )
            .order_by(Telemetry.ts)
            .limit(20_000)
        )
        return [[ts.isoformat(), value] for ts, value in rows]
    hours = session.execute(
        select(TelemetryHour.hour, TelemetryHour.total, TelemetryHour.count)
        .where(
            TelemetryHour.device_id == device_id,
            TelemetryHour.key == key,
            TelemetryHour.hour >= start,
            TelemetryHour.hour <= end,
        )
        .order_by(TelemetryHour.hour)
    )
    return [[hour.isoformat(), round(total / count, 4)] for hour, total, count in hours if count]


def hour_of(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def roll_up(session: Session, start: datetime, end: datetime) -> int:
    """小时汇总 of [start, end): count, sum, min, max, first and last per device, key and hour."""
    start, end = hour_of(start), hour_of(end)
    buckets: dict[tuple[int, str, datetime], dict[str, Any]] = {}
    rows = session.execute(
        select(Telemetry.device_id, Telemetry.key, Telemetry.ts, Telemetry.value)
        .where(Telemetry.ts >= start, Telemetry.ts < end)
        .order_by(Telemetry.device_id, Telemetry.key, Telemetry.ts)
    )
    for device_id, key, ts, value in rows:
        pair = (device_id, key, hour_of(ts))
        b = buckets.get(pair)
        if b is None:
            buckets[pair] = {
                "device_id": device_id,
                "key": key,
                "hour": pair[2],
                "count": 1,
                "total": value,
                "minimum": value,
                "maximum": value,
                "first": value,
                "last": value,
            }
            continue
        b["count"] += 1
        b["total"] += value
        b["minimum"] = min(b["minimum"], value)
        b["maximum"] = max(b["maximum"], value)
        b["last"] = value
    if buckets:
        stmt = _insert(session, TelemetryHour.__table__)
        stmt = stmt.on_conflict_do_update(
            index_elements=["device_id", "key", "hour"],
            set_={
                c: getattr(stmt.excluded, c)
                for c in ("count", "total", "minimum", "maximum", "first", "last")
            },
        )
        session.execute(stmt, list(buckets.values()))
    return len(buckets)


def month_partition_sql(month: datetime) -> str:
    """The DDL of one month's partition of iot_telemetry (PostgreSQL, 按月分区)."""
    first = month.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (first + timedelta(days=32)).replace(day=1)
    name = f"iot_telemetry_{first:%Y%m}"
    return (
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF iot_telemetry "
        f"FOR VALUES FROM ('{first.isoformat()}') TO ('{nxt.isoformat()}')"
    )


def is_partitioned(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(
        session.scalar(
            text(
                "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c "
                "ON c.oid = p.partrelid WHERE c.relname = 'iot_telemetry'"
            )
        )
    )


def upkeep(session: Session, at: datetime | None = None) -> None:
    """Roll up the last three hours, add next month's partition, drop readings past retention."""
    at = at or now()
    roll_up(session, at - timedelta(hours=3), at + timedelta(hours=1))
    if is_partitioned(session):
        session.execute(text(month_partition_sql(at.replace(day=1) + timedelta(days=32))))
    cutoff = at - timedelta(days=iot_settings().telemetry_retention_days)
    session.execute(delete(Telemetry).where(Telemetry.ts < cutoff))
    session.commit()
