"""模拟设备: realistic telemetry for the demo district over MQTT — lamps switching at dusk, a cover
tilting for good (and passing vehicles rocking others for a second), a river rising after rain, a
building's daily load curve, the air, bins filling up."""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from gmqtt import Client
from sqlalchemy import select

from smartgov.config import get_settings
from smartgov.db import now, session_factory
from smartgov.iot import lamps
from smartgov.iot.config import iot_settings
from smartgov.iot.models import Device, DeviceProfile

TILTED_COVER_AFTER_S = 10  # the first cover tilts for good this long after the start
RAIN_AFTER_S = 30  # the first gauge's water starts rising


@dataclass
class Sim:
    """The simulated state of one device."""

    code: str
    profile: str
    index: int
    rng: random.Random
    state: dict[str, float] = field(default_factory=dict)


def local_hour(started: float, speed: float) -> float:
    """The simulated local hour: the real one at the start, running ``speed`` times faster."""
    start = datetime.now(get_settings().tz)
    hours = start.hour + start.minute / 60 + (time.monotonic() - started) * speed / 3600
    return hours % 24


def reading(sim: Sim, elapsed: float, hour: float) -> dict[str, float]:
    """The next values of one device (FIWARE names of the built-in profiles)."""
    r, s = sim.rng, sim.state
    if sim.profile == "manhole_cover":
        tilt = 0.5 + r.random()
        if sim.index == 0 and elapsed >= TILTED_COVER_AFTER_S:
            tilt = 28.0  # pushed aside: stays tilted
        elif r.random() < 0.01:
            tilt = 15.0  # a vehicle passes: one reading, well under 2 s
        return {
            "tilt": round(tilt, 1),
            "open": 0,
            "waterLevel": round(5 + r.random() * 3, 1),
            "batteryLevel": 87 - sim.index % 5,
        }
    if sim.profile == "street_lamp":
        lux = lamps.daylight_lux(hour) * (0.9 + 0.2 * r.random())
        on = lamps.should_be_on(lux, bool(s.get("on", 0)), now())
        s["on"] = 1.0 if on else 0.0
        broken = sim.index == 2  # LD-0003 never lights: 路灯不亮 at night
        power = 0.0 if broken or not on else 95 + 10 * r.random()
        s["energy"] = s.get("energy", 1000.0 + sim.index * 37) + power / 1000 / 3600
        return {
            "powerState": s["on"],
            "power": round(power, 1),
            "energy": round(s["energy"], 3),
            "lux": round(lux, 1),
            "dimming": 100 if on else 0,
        }
    if sim.profile == "flood_gauge":
        level = 0.05 + 0.002 * r.random()
        if sim.index == 0 and elapsed >= RAIN_AFTER_S:
            level = min(0.6, 0.05 + (elapsed - RAIN_AFTER_S) * 0.002)
        return {"currentLevel": round(level, 3), "alertLevel": 0.3, "dangerLevel": 0.5}
    if sim.profile == "air_quality":
        base = 35 + 25 * math.sin(hour / 24 * 2 * math.pi) + 10 * r.random()
        return {
            "pm25": round(base, 1),
            "pm10": round(base * 1.6, 1),
            "no2": round(20 + 15 * r.random(), 1),
            "so2": round(5 + 3 * r.random(), 1),
            "o3": round(60 + 40 * r.random(), 1),
            "co": round(0.5 + 0.3 * r.random(), 2),
        }
    if sim.profile == "waste_container":
        s["fill"] = min(1.0, s.get("fill", 0.2 + 0.1 * sim.index % 0.5) + 0.0005 * r.random())
        return {"fillingLevel": round(s["fill"], 3)}
    workday = 8 <= hour < 18
    if sim.profile == "energy_meter":
        kw = (180 if workday else 40) * (1 + 0.1 * r.random()) * (1 + sim.index * 0.3)
        s["kwh"] = s.get("kwh", 250_000.0 * (sim.index + 1)) + kw / 3600
        return {"totalActivePower": round(kw * 1000), "totalActiveEnergyImport": round(s["kwh"], 3)}
    people = (120 + 40 * r.random()) if workday else 2
    return {
        "temperature": round(22 + 2 * r.random(), 1),
        "relativeHumidity": round(45 + 10 * r.random(), 1),
        "co2": round(420 + people * 5 + 30 * r.random()),
        "peopleCount": round(people),
    }


def fleet(limit: int) -> list[Sim]:
    """The demo devices (the first ``limit`` of each kind in turn)."""
    with session_factory()() as session:
        rows = session.execute(
            select(Device.code, DeviceProfile.code)
            .join(DeviceProfile)
            .where(Device.is_active.is_(True))
            .order_by(Device.code)
        ).all()
    per_profile: dict[str, int] = {}
    sims = []
    for code, profile in rows:
        index = per_profile.get(profile, 0)
        per_profile[profile] = index + 1
        sims.append(Sim(code, profile, index, random.Random(code)))
    sims.sort(key=lambda s: (s.index, s.profile))
    return sims[:limit]


async def publish(client: Client, topic: str, body: str) -> None:
    """QoS 1, waiting while the broker's receive maximum of unacknowledged messages is reached."""
    while True:
        try:
            client.publish(topic, body, qos=1)
            return
        except OverflowError:
            await asyncio.sleep(0.001)


async def run(*, devices: int, rate: float, seconds: float, speed: float) -> int:
    """Publish every device's readings ``rate`` times a second (QoS 1) until ``seconds`` pass."""
    settings = iot_settings()
    sims = fleet(devices)
    if not sims:
        raise SystemExit("没有可模拟的设备：请先运行 smartgov setup（演示数据）")
    client = Client(f"smartgov-sim-{uuid.uuid4().hex[:6]}")
    host, port = settings.broker
    await client.connect(host, port, version=5)
    started = time.monotonic()
    sent = 0
    try:
        while not seconds or time.monotonic() - started < seconds:
            tick = time.monotonic()
            elapsed, hour = tick - started, local_hour(started, speed)
            stamp = int(time.time() * 1000)
            for sim in sims:
                body = {"ts": stamp, "values": reading(sim, elapsed, hour)}
                await publish(
                    client, f"{settings.mqtt_topic_root}/devices/{sim.code}/telemetry", json.dumps(body)
                )
                sent += 1
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
    finally:
        await client.disconnect()
    return sent
