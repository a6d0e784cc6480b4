"""MQTT ingest against the real Mosquitto: device and gateway topics, no acknowledged reading lost
to a kill -9 of the ingest process, and two processes sharing one stream ($share)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from smartgov.iot.config import IotSettings
from smartgov.iot.models import Device, Telemetry
from smartgov.iot.mqtt import Consumer
from tests.conftest import REPO_ROOT, TEST_DATABASE_URL, stop_processes, wait_for
from tests.iot.conftest import IotWorld
from tests.iot.mqtt_helpers import device_topic, gateway_topic, mqtt_settings, need_broker, publish

SMARTGOV = Path(sys.executable).parent / "smartgov"
T_MS = 1_764_468_000_000  # 2025-11-30 02:00 UTC


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Telemetry)) or 0


@pytest.fixture()
def settings() -> IotSettings:
    s = mqtt_settings()
    need_broker(s)
    return s


def run_consumer(engine: Engine, settings: IotSettings) -> tuple[Consumer, Callable[[], None]]:
    """A consumer on a thread of its own (as `smartgov serve` runs it); returns it and its stop."""
    consumer = Consumer(
        sessionmaker(engine, expire_on_commit=False), settings, client_id=f"c-{settings.mqtt_share_group}"
    )
    loop = asyncio.new_event_loop()
    subscribed = threading.Event()
    original = consumer._on_connect

    def on_connect(*args):  # type: ignore[no-untyped-def]
        original(*args)
        subscribed.set()

    consumer._on_connect = on_connect  # type: ignore[method-assign]
    thread = threading.Thread(target=lambda: loop.run_until_complete(consumer.run()), daemon=True)
    thread.start()
    assert subscribed.wait(10), "the consumer did not connect"
    wait_for(lambda: False, 0.5)  # the SUBACK follows the CONNACK

    def stop() -> None:
        loop.call_soon_threadsafe(consumer.stop)
        thread.join(10)

    return consumer, stop


def test_device_topic_and_gateway_topic_end_to_end(
    iot: IotWorld, engine: Engine, settings: IotSettings
) -> None:
    consumer, stop = run_consumer(engine, settings)
    try:
        publish(
            settings,
            [
                (
                    device_topic(settings, "JG-0001"),
                    {"ts": T_MS, "values": {"tilt": 1.5, "batteryLevel": 90}},
                ),
                (
                    device_topic(settings, "JG-0001"),
                    {"ts": T_MS + 1000, "values": {"tilt": 999}},
                ),  # out of range
                (device_topic(settings, "JG-0001"), b"garbage"),
                (
                    gateway_topic(settings),
                    {
                        "LD-0001": [{"ts": T_MS, "values": {"power": 95, "lux": 20}}],
                        "SW-0001": [{"ts": T_MS, "values": {"currentLevel": 0.1}}],
                    },
                ),
            ],
        )
        assert wait_for(lambda: stored(engine) == 5, 10), stored(engine)
    finally:
        stop()
    assert consumer.stats.bad_messages == 1
    with engine.connect() as conn:
        rejected = dict(conn.execute(select(Device.code, Device.rejected_count)).all())
    assert rejected == {"JG-0001": 1, "LD-0001": 0, "SW-0001": 0}


@pytest.fixture()
def ingest_process(
    engine: Engine, tmp_path: Path, settings: IotSettings
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    url = TEST_DATABASE_URL or str(engine.url)
    started: list[subprocess.Popen[bytes]] = []

    def start(client_id: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SMARTGOV_DATABASE_URL": url,
            "SMARTGOV_JOBS_INLINE": "0",
            "SMARTGOV_MQTT_TOPIC_ROOT": settings.mqtt_topic_root,
            "SMARTGOV_MQTT_SHARE_GROUP": settings.mqtt_share_group,
            "SMARTGOV_INGEST_BATCH_SIZE": "50",
            "SMARTGOV_INGEST_BATCH_MS": "20",
            "PYTHONPATH": str(REPO_ROOT),
        }
        log = tmp_path / f"{client_id}-{len(started)}.log"
        process = subprocess.Popen(
            [str(SMARTGOV), "iot", "ingest", "--client-id", client_id],
            env=env,
            cwd=tmp_path,
            stdout=open(log, "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        assert wait_for(lambda: "已连接" in log.read_text(errors="replace"), 30), log.read_text(
            errors="replace"
        )
        wait_for(lambda: False, 0.5)
        return process

    yield start
    stop_processes(started)


def readings(settings: IotSettings, n: int, code: str = "LD-0001") -> list[tuple[str, dict]]:
    return [
        (device_topic(settings, code), {"ts": T_MS + i, "values": {"power": 50 + i % 10}}) for i in range(n)
    ]


def test_kill_9_during_ingest_loses_no_acknowledged_reading(
    iot: IotWorld, engine: Engine, settings: IotSettings, ingest_process
) -> None:  # type: ignore[no-untyped-def]
    n = 900  # within Mosquitto's default queue of 1000 messages per session (max_queued_messages)
    first = ingest_process("ingest-a")
    os.kill(first.pid, signal.SIGSTOP)  # the broker sends; the process reads nothing for now
    publish(settings, readings(settings, n))  # every message acknowledged by the broker
    os.kill(first.pid, signal.SIGCONT)
    assert wait_for(lambda: stored(engine) > 0, 30, step=0.005)
    os.kill(first.pid, signal.SIGKILL)  # mid-stream: batches in flight, their acks not sent
    first.wait(10)
    assert stored(engine) < n, "everything was stored before the kill: the test proved nothing"
    ingest_process("ingest-a")  # the same session: the broker delivers what was never acknowledged
    assert wait_for(lambda: stored(engine) == n, 60), f"stored {stored(engine)} of {n}"


def test_two_processes_share_one_stream(
    iot: IotWorld, engine: Engine, settings: IotSettings, ingest_process, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    n = 2000
    a, b = ingest_process("share-a"), ingest_process("share-b")
    publish(settings, readings(settings, n))
    assert wait_for(lambda: stored(engine) == n, 60), stored(engine)
    for process in (a, b):
        process.send_signal(signal.SIGTERM)
        process.wait(15)
    outputs = [p.read_text() for p in sorted(tmp_path.glob("share-*.log"))]
    counts = [
        int(line.split("messages=")[1].split()[0])
        for out in outputs
        for line in out.splitlines()
        if line.startswith("messages=")
    ]
    assert len(counts) == 2 and sum(counts) == n and min(counts) > 0, counts


def test_consumer_reconnects_after_a_broker_restart(iot: IotWorld, engine: Engine, tmp_path: Path) -> None:
    from tests.conftest import free_port
    from tests.iot.mqtt_helpers import start_mosquitto

    port = free_port()
    broker = start_mosquitto(port, str(tmp_path))
    settings = mqtt_settings(mqtt_url=f"mqtt://127.0.0.1:{port}")
    consumer, stop = run_consumer(engine, settings)
    try:
        publish(settings, readings(settings, 10))
        assert wait_for(lambda: stored(engine) == 10, 10)
        broker.terminate()
        broker.wait(10)
        broker = start_mosquitto(
            port, str(tmp_path)
        )  # a new broker: no session, the consumer subscribes again
        assert wait_for(lambda: consumer.client is not None and consumer.client.is_connected, 30)
        wait_for(lambda: False, 1)
        publish(settings, [(t, {**body, "ts": body["ts"] + 100}) for t, body in readings(settings, 10)])
        assert wait_for(lambda: stored(engine) == 20, 20), stored(engine)
    finally:
        stop()
        broker.terminate()
        broker.wait(10)


def test_serve_says_when_there_is_no_broker_and_http_still_works(
    iot: IotWorld, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import time as clock

    from smartgov.iot import mqtt
    from smartgov.iot.config import reset_iot_settings
    from tests.conftest import free_port

    monkeypatch.setenv("SMARTGOV_MQTT_URL", f"mqtt://127.0.0.1:{free_port()}")
    monkeypatch.setenv("SMARTGOV_IOT_INGEST_INPROCESS", "1")
    reset_iot_settings()
    try:
        with caplog.at_level(logging.INFO, logger="uvicorn.error"):
            began = clock.monotonic()
            stop = mqtt.start_in_process(sessionmaker(engine))
            assert clock.monotonic() - began < 0.5  # start-up does not wait for the broker
            assert wait_for(lambda: "仅接收 HTTP 上报" in caplog.text, 5)
            stop()
    finally:
        reset_iot_settings()
    monkeypatch.setenv("SMARTGOV_IOT_INGEST_INPROCESS", "0")
    reset_iot_settings()
    assert mqtt.start_in_process(sessionmaker(engine))() is None  # off outside `smartgov serve`
    reset_iot_settings()
