"""Readings per second through Mosquitto at QoS 1 into one `smartgov iot ingest` process, rules
evaluated and readings stored; every reading the publisher sent is counted against what was stored.

    .venv/bin/python benchmarks/iot_ingest.py [--messages 5000] [--per-message 20] [--database-url postgresql://…]

The publisher (gmqtt, its own process) sends gateway messages carrying the readings of 20 devices
(5–6 values each: street lamps and air-quality stations of the built-in profiles), or with
``--per-message 1`` one reading per message on the device's own topic, and waits for the
broker's PUBACK of each;
the clock runs from the first publish until the last reading is in the database. Baseline: the
same consumer with one message per transaction (``--batch-size 1``).
Last line: ``points_per_s=N msgs_per_s=N lost=N``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from _common import ROOT, empty_database, fresh_database
from sqlalchemy import func, select, text

LAMP = ("powerState", "power", "energy", "lux", "dimming")
AIR = ("pm25", "pm10", "no2", "so2", "o3", "co")


def values_of(profile: str, rnd: random.Random, i: int) -> dict[str, float]:
    if profile == "street_lamp":
        return {
            "powerState": 1,
            "power": round(rnd.uniform(60, 120), 1),
            "energy": 1000 + i * 0.01,
            "lux": round(rnd.uniform(5, 40), 1),
            "dimming": 80,
        }
    return {
        "pm25": round(rnd.uniform(10, 200), 1),
        "pm10": round(rnd.uniform(20, 250), 1),
        "no2": round(rnd.uniform(5, 80), 1),
        "so2": round(rnd.uniform(2, 30), 1),
        "o3": round(rnd.uniform(20, 200), 1),
        "co": round(rnd.uniform(0.2, 2), 2),
    }


def build_messages(
    codes: list[tuple[str, str]], n: int, root: str, per_message: int
) -> tuple[list[tuple[str, bytes]], int]:
    """``n`` messages: one device's reading on its own topic (per_message=1), or the readings of
    ``per_message`` devices in one gateway message (ThingsBoard gateway API)."""
    rnd = random.Random(7)
    start_ms = int(datetime.now(UTC).timestamp() * 1000) - n * per_message  # every point unique
    messages, points, k = [], 0, 0
    for _ in range(n):
        body: dict[str, list] = {}
        for _ in range(per_message):
            code, profile = codes[k % len(codes)]
            values = values_of(profile, rnd, k)
            points += len(values)
            body.setdefault(code, []).append({"ts": start_ms + k, "values": values})
            k += 1
        if per_message == 1:
            [(code, [reading])] = body.items()
            messages.append((f"{root}/devices/{code}/telemetry", json.dumps(reading).encode()))
        else:
            messages.append((f"{root}/gateway/telemetry", json.dumps(body).encode()))
    return messages, points


def publisher(messages_file: str, host: str, port: int) -> None:
    """Publish every message at QoS 1 and wait for every PUBACK (runs in its own process)."""
    from gmqtt import Client

    with open(messages_file) as f:
        messages = json.load(f)

    async def main() -> None:
        client = Client(f"bench-pub-{uuid.uuid4().hex[:6]}")
        await client.connect(host, port, version=5)
        for topic, body in messages:
            while True:
                try:  # at most the broker's receive maximum unacknowledged at once
                    client.publish(topic, body.encode(), qos=1)
                    break
                except OverflowError:
                    await asyncio.sleep(0)
        await client._persistent_storage.wait_empty()
        await client.disconnect()

    began = time.perf_counter()
    asyncio.run(main())
    print(
        f"publisher: {len(messages)} messages acknowledged in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )


def run(
    n: int, url: str | None, batch_size: int, per_message: int, broker: tuple[str, int] | None = None
) -> dict[str, float]:
    engine = empty_database(url) if url else fresh_database()
    from sqlalchemy.orm import Session

    from smartgov.iot import catalogue
    from smartgov.iot.config import iot_settings
    from smartgov.iot.models import Device, Telemetry
    from smartgov.iot.service import hash_token

    codes = []
    with Session(engine) as session:
        profiles = catalogue.ensure_builtin(session)
        for i in range(400):
            profile = "street_lamp" if i % 2 == 0 else "air_quality"
            code = f"B-{i:04d}"
            session.add(
                Device(
                    code=code,
                    name=f"压测设备{i}",
                    profile_id=profiles[profile].id,
                    token_hash=hash_token(code),
                    attributes={},
                    latest={},
                    rejected_count=0,
                    is_active=True,
                )
            )
            codes.append((code, profile))
        session.commit()
    root = f"bench{uuid.uuid4().hex[:8]}"
    messages, points = build_messages(codes, n, root, per_message)
    scratch = tempfile.mkdtemp(prefix="smartgov-iot-bench-")
    messages_file = os.path.join(scratch, "messages.json")
    with open(messages_file, "w") as f:
        json.dump([(t, b.decode()) for t, b in messages], f)
    host, port = broker or iot_settings().broker
    env = {
        **os.environ,
        "SMARTGOV_MQTT_URL": f"mqtt://{host}:{port}",
        "SMARTGOV_DATABASE_URL": str(engine.url.render_as_string(hide_password=False)).replace(
            "postgresql+psycopg://", "postgresql://"
        ),
        "SMARTGOV_MQTT_TOPIC_ROOT": root,
        "SMARTGOV_MQTT_SHARE_GROUP": root,
        "SMARTGOV_INGEST_BATCH_SIZE": str(batch_size),
        "SMARTGOV_INGEST_BATCH_MS": "50",
        "PYTHONPATH": str(ROOT / "src"),
    }
    smartgov = os.path.join(os.path.dirname(sys.executable), "smartgov")
    log = open(os.path.join(scratch, "ingest.log"), "w+b")  # noqa: SIM115
    ingest = subprocess.Popen(
        [smartgov, "iot", "ingest", "--client-id", root], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while "已连接" not in Path(log.name).read_text(errors="replace"):
        if time.monotonic() > deadline or ingest.poll() is not None:
            raise SystemExit("ingest did not connect: " + Path(log.name).read_text(errors="replace"))
        time.sleep(0.1)
    time.sleep(0.5)

    def stored() -> int:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Telemetry)) or 0

    start = time.perf_counter()
    pub = subprocess.Popen(
        [sys.executable, __file__, "--publish", messages_file, "--host", host, "--port", str(port)], env=env
    )
    last, last_change = -1, time.monotonic()
    while True:
        count = stored()
        if count >= points:
            break
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > 20 and pub.poll() is not None:
            break  # nothing new for 20 s after the publisher finished: what is missing is lost
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    pub.wait(60)
    ingest.send_signal(signal.SIGTERM)
    ingest.wait(30)
    got = stored()
    with engine.connect() as conn:
        states = conn.scalar(text("SELECT count(*) FROM iot_rule_state"))
    engine.dispose()
    return {
        "points": points,
        "stored": got,
        "seconds": elapsed,
        "points_per_s": got / elapsed,
        "msgs_per_s": n * got / points / elapsed,
        "lost": points - got,
        "rule_states": states or 0,
    }


# What an ingest broker needs (README, 物联感知): Mosquitto's defaults keep 20 messages in flight and
# queue 1000 more per session, then drop; a consumer that acknowledges after its commit needs room.
MOSQUITTO_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 0
max_queued_messages 1000000
"""


def own_broker() -> tuple[subprocess.Popen[bytes], tuple[str, int]]:
    """A Mosquitto of the benchmark's own, configured for ingest (see MOSQUITTO_CONF)."""
    import shutil
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = os.path.join(tempfile.mkdtemp(prefix="smartgov-mosquitto-"), "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(MOSQUITTO_CONF.format(port=port))
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, ("127.0.0.1", port)
        except OSError:
            time.sleep(0.1)
    raise SystemExit("mosquitto did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--per-message",
        type=int,
        default=20,
        help="devices per gateway message (1 = one message per device on its own topic)",
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is dropped!)")
    parser.add_argument("--baseline", action="store_true", help="also run with one message per transaction")
    parser.add_argument(
        "--system-broker",
        action="store_true",
        help="use SMARTGOV_MQTT_URL as configured instead of a Mosquitto of our own",
    )
    parser.add_argument("--publish", help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish:
        publisher(args.publish, args.host, args.port)
        return
    backend = "postgresql" if args.database_url else "sqlite"
    mosquitto, broker = (None, None) if args.system_broker else own_broker()
    try:
        if args.baseline:
            base = run(min(args.messages, 1000), args.database_url, 1, args.per_message, broker)
            print(f"baseline_batch=1 points_per_s={base['points_per_s']:.0f} lost={base['lost']}")
        r = run(args.messages, args.database_url, args.batch_size, args.per_message, broker)
    finally:
        if mosquitto is not None:
            mosquitto.terminate()
            mosquitto.wait(10)
    print(
        f"backend={backend} messages={args.messages} per_message={args.per_message} points={r['points']} "
        f"seconds={r['seconds']:.1f} batch={args.batch_size} rule_states={r['rule_states']}"
    )
    print(f"points_per_s={r['points_per_s']:.0f} msgs_per_s={r['msgs_per_s']:.0f} lost={r['lost']}")


if __name__ == "__main__":
    main()
