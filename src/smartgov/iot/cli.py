"""``smartgov iot``: ingest consumer, telemetry simulator, device import."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

app = typer.Typer(help="物联感知 (sensors, telemetry, alarms)", no_args_is_help=True)


@app.command("ingest")
def ingest_command(
    client_id: str = typer.Option("", help="MQTT 客户端标识（保持不变以便断线重连后续传）"),
    batch_size: int = typer.Option(0, help="每批最多读数（默认 SMARTGOV_INGEST_BATCH_SIZE）"),
    seconds: float = typer.Option(0, help="运行秒数后退出（0 = 一直运行）"),
) -> None:
    """Consume telemetry from the MQTT broker (接收 MQTT 遥测): shared subscription, manual acks."""
    import time

    from smartgov import jobs
    from smartgov.db import session_factory
    from smartgov.domains import JOB_MODULES
    from smartgov.iot.config import iot_settings
    from smartgov.iot.mqtt import Consumer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    jobs.load_task_modules(JOB_MODULES)
    settings = iot_settings()
    if batch_size:
        settings = settings.model_copy(update={"ingest_batch_size": batch_size})
    consumer = Consumer(session_factory(), settings, client_id=client_id or None)
    end = time.monotonic() + seconds if seconds else None

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, consumer.stop)
        await consumer.run(until=(lambda: time.monotonic() > end) if end else None)

    asyncio.run(main())
    s = consumer.stats
    typer.echo(f"messages={s.messages} points={s.points} rejected={s.rejected} bad={s.bad_messages}")


@app.command("simulate")
def simulate_command(
    devices: int = typer.Option(20, help="模拟设备数（取演示区已登记的设备）"),
    rate: float = typer.Option(1.0, help="每台设备每秒上报次数"),
    seconds: float = typer.Option(0, help="运行秒数（0 = 一直运行）"),
    speed: float = typer.Option(60.0, help="模拟时钟倍速（日变化曲线加快显示）"),
) -> None:
    """Publish realistic telemetry over MQTT for the demo district (模拟设备上报)."""
    from smartgov.iot.simulate import run

    sent = asyncio.run(run(devices=devices, rate=rate, seconds=seconds, speed=speed))
    typer.echo(f"published={sent}")
