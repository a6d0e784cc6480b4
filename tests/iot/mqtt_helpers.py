"""Publishing to the real Mosquitto from tests (paho-mqtt, QoS 1, waiting for the broker's PUBACK)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable
from typing import Any

import pytest

from smartgov.iot.config import IotSettings
from smartgov.iot.mqtt import broker_reachable


def mqtt_settings(**extra: Any) -> IotSettings:
    """Settings with a topic root and share group of this test alone (the broker is shared)."""
    tag = uuid.uuid4().hex[:10]
    return IotSettings(mqtt_topic_root=f"t{tag}", mqtt_share_group=f"g{tag}", ingest_batch_ms=20, **extra)


def need_broker(settings: IotSettings) -> None:
    if not broker_reachable(settings):
        pytest.skip("no MQTT broker at SMARTGOV_MQTT_URL (.ci/run starts Mosquitto)")


def publish(settings: IotSettings, messages: Iterable[tuple[str, Any]]) -> int:
    """Publish (topic, payload) at QoS 1 and wait until the broker has acknowledged each one."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}", protocol=paho.MQTTv5
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    host, port = settings.broker
    client.connect(host, port)
    client.loop_start()
    infos = []
    for topic, payload in messages:
        body = payload if isinstance(payload, bytes) else json.dumps(payload)
        infos.append(client.publish(topic, body, qos=1))
    for info in infos:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()
    assert all(info.is_published() for info in infos)
    return len(infos)


def device_topic(settings: IotSettings, code: str) -> str:
    return f"{settings.mqtt_topic_root}/devices/{code}/telemetry"


def gateway_topic(settings: IotSettings) -> str:
    return f"{settings.mqtt_topic_root}/gateway/telemetry"


def start_mosquitto(port: int, folder: str) -> subprocess.Popen[bytes]:
    """A Mosquitto of the test's own on ``port`` (one a test may stop and start again)."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.path.exists(binary):
        pytest.skip("mosquitto is not installed")
    conf = os.path.join(folder, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen([binary, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("mosquitto did not start")
