"""MQTT 接入 (gmqtt, MQTT v5): a shared subscription, batches committed before they are acknowledged.

``optimistic_acknowledgement=False`` makes gmqtt send a message's PUBACK only when its
``on_message`` coroutine returns; ours returns once the batch holding the message is committed, so
a kill -9 loses nothing the broker considers delivered: unacknowledged messages of the persistent
session (clean_start off, session expiry) are delivered again on reconnect, and a redelivered
reading is stored once (the telemetry key is device, key and time).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gmqtt import Client
from gmqtt.mqtt.constants import MQTTv50
from sqlalchemy.orm import Session, sessionmaker

from smartgov.config import get_settings
from smartgov.db import now
from smartgov.iot import ingest
from smartgov.iot.config import IotSettings, iot_settings

log = logging.getLogger("smartgov.iot")


def broker_reachable(settings: IotSettings | None = None, timeout: float = 0.5) -> bool:
    """Whether something listens at the broker's address (a quick TCP connect)."""
    host, port = (settings or iot_settings()).broker
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class Stats:
    messages: int = 0
    points: int = 0
    rejected: int = 0
    bad_messages: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)


class Consumer:
    """One ingest process: receives, batches, stores, then acknowledges (手动确认)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: IotSettings | None = None,
        *,
        client_id: str | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings or iot_settings()
        self.client_id = (
            client_id or self.settings.mqtt_client_id or f"smartgov-ingest-{socket.gethostname()}"
        )
        self.stats = Stats()
        self._buffer: list[ingest.Reading] = []
        self._full: list[tuple[list[ingest.Reading], asyncio.Future[None] | None]] = []
        self._waiting: asyncio.Future[None] | None = None
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._device_prefix = f"{self.settings.mqtt_topic_root}/devices/"
        self.client: Client | None = None

    async def on_message(self, client: Client, topic: str, payload: bytes, qos: int, properties: dict) -> int:
        """Queue the message's readings and return (= PUBACK) after their batch is committed."""
        self.stats.messages += 1
        try:
            if topic.startswith(self._device_prefix):
                code = topic[len(self._device_prefix) :].split("/", 1)[0]
                readings = ingest.device_readings(code, payload, now())
            else:
                readings = ingest.gateway_readings(payload, now())
        except ingest.BadMessage as exc:
            self.stats.bad_messages += 1
            log.warning("refused message on %s: %s", topic, exc)
            return 0  # a malformed message is acknowledged and counted: resending it cannot help
        if self._waiting is None:
            self._waiting = asyncio.get_running_loop().create_future()
        waiting = self._waiting
        self._buffer.extend(readings)
        if len(self._buffer) >= self.settings.ingest_batch_size:
            self._full.append((self._buffer, waiting))  # a full batch: the next message starts another
            self._buffer, self._waiting = [], None
            self._wake.set()
        await waiting
        return 0

    def _next_batch(self) -> tuple[list[ingest.Reading], asyncio.Future[None] | None] | None:
        """The oldest full batch, else what has gathered since the last one (on the timer)."""
        if self._full:
            return self._full.pop(0)
        if self._buffer:
            batch = (self._buffer, self._waiting)
            self._buffer, self._waiting = [], None
            return batch
        return None

    def _store(self, readings: list[ingest.Reading]) -> ingest.BatchResult:
        with self.factory() as session:
            result = ingest.store(session, readings)
            session.commit()
            return result

    async def flusher(self) -> None:
        """Commit the buffer every batch interval (or when it is full), then release its acks."""
        interval = self.settings.ingest_batch_ms / 1000
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            self._wake.clear()
            while (batch := self._next_batch()) is not None:
                await self._commit(*batch)
        while (batch := self._next_batch()) is not None:  # stopping: what was received is kept
            await self._commit(*batch)

    async def _commit(self, readings: list[ingest.Reading], waiting: asyncio.Future[None] | None) -> None:
        """Store one batch (retrying while the database is away), then release its acks."""
        while True:
            try:
                result = await asyncio.to_thread(self._store, readings)
                break
            except Exception:  # the database is away: keep the batch and its acks, try again
                log.exception("storing a batch of %d readings failed; retrying", len(readings))
                await asyncio.sleep(1)
        self.stats.batches += 1
        self.stats.points += result.stored
        self.stats.rejected += result.rejected
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    def _on_connect(self, client: Client, flags: int, rc: int, properties: dict) -> None:
        group = self.settings.mqtt_share_group
        for topic in (self.settings.device_topic, self.settings.gateway_topic):
            client.subscribe(f"$share/{group}/{topic}", qos=1)
        log.info("物联感知接入已连接 MQTT %s:%s（共享订阅组 %s）", *self.settings.broker, group)

    async def run(self, until: Callable[[], bool] | None = None) -> None:
        """Connect (reconnecting with back-off while the broker is away) and consume until stopped."""
        client = Client(
            self.client_id,
            clean_session=False,
            optimistic_acknowledgement=False,
            session_expiry_interval=self.settings.mqtt_session_expiry_s,
            receive_maximum=65535,
        )
        client.set_config({"reconnect_retries": -1, "reconnect_delay": 2})
        client.on_message = self.on_message
        client.on_connect = self._on_connect
        self.client = client
        flusher = asyncio.create_task(self.flusher())
        host, port = self.settings.broker
        delay = 1.0
        while not self._stop.is_set():
            try:
                await client.connect(host, port, version=MQTTv50, keepalive=30)
                break
            except (OSError, ConnectionError) as exc:
                log.warning("MQTT %s:%s 不可用（%s），%.0f 秒后重试", host, port, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
        try:
            while not self._stop.is_set() and not (until and until()):
                await asyncio.sleep(0.2)
        finally:
            self._stop.set()
            self._wake.set()
            await flusher
            await client.disconnect()

    def stop(self) -> None:
        self._stop.set()


def serve_client_id(settings: IotSettings) -> str:
    """The server's stable MQTT client id (its persistent session survives restarts), told apart by
    database, topic root and share group so that two deployments on one host never take each
    other's session."""
    if settings.mqtt_client_id:
        return settings.mqtt_client_id
    database = hashlib.sha1(get_settings().resolved_database_url.encode()).hexdigest()[:8]
    return f"smartgov-serve-{socket.gethostname()}-{database}-{settings.mqtt_topic_root}"[:100]


def start_in_process(factory: sessionmaker[Session]) -> Callable[[], None]:
    """`smartgov serve`: consume in a thread of the server when a broker answers (says so in the log)."""
    settings = iot_settings()
    if not settings.iot_ingest_inprocess:
        return lambda: None
    holder: dict[str, object] = {}
    server_log = logging.getLogger("uvicorn.error")  # the log `smartgov serve` shows

    def main() -> None:
        if not broker_reachable(settings):
            server_log.info("未连接 MQTT 代理 %s:%s：物联感知仅接收 HTTP 上报", *settings.broker)
            return
        loop = asyncio.new_event_loop()
        consumer = Consumer(factory, settings, client_id=serve_client_id(settings))
        holder["consumer"], holder["loop"] = consumer, loop
        server_log.info(
            "物联感知接入随服务启动：MQTT %s:%s（共享订阅组 %s）", *settings.broker, settings.mqtt_share_group
        )
        loop.run_until_complete(consumer.run())

    thread = threading.Thread(target=main, name="iot-ingest", daemon=True)
    thread.start()

    def stop() -> None:
        consumer, loop = holder.get("consumer"), holder.get("loop")
        if isinstance(consumer, Consumer) and isinstance(loop, asyncio.AbstractEventLoop):
            loop.call_soon_threadsafe(consumer.stop)
            thread.join(timeout=5)

    return stop
