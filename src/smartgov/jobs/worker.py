"""Running jobs: the in-process runner (SQLite), procrastinate workers (PostgreSQL) (任务执行器)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.jobs import builtin, local, pg, queue, registry
from smartgov.jobs.common import error_text, is_postgres

log = logging.getLogger("smartgov.jobs")

HOUSEKEEPING_S = 60.0


def task_modules(modules: Iterable[str]) -> list[str]:
    """The composition root's modules plus ``SMARTGOV_JOB_MODULES``."""
    extra = [m.strip() for m in get_settings().job_modules.split(",") if m.strip()]
    return [*modules, *extra]


def load(modules: Iterable[str]) -> None:
    registry.load_task_modules(task_modules(modules))


class LocalRunner(threading.Thread):
    """Runs the ``job`` table's due jobs and periodic ticks in this process (embedded engine)."""

    def __init__(self, engine: Engine, *, name: str = "smartgov-jobs", ticks: bool = True) -> None:
        super().__init__(name=name, daemon=True)
        self.engine = engine
        self.ticks = ticks
        self.stopped = threading.Event()

    def run(self) -> None:
        settings = get_settings()
        clock = local.TickClock()
        last_check = 0.0
        last_cleanup = time.monotonic()
        while not self.stopped.is_set():
            queue.wake.clear()
            try:
                if time.monotonic() - last_check >= HOUSEKEEPING_S:
                    local.recover_orphans(self.engine)
                    last_check = time.monotonic()
                if time.monotonic() - last_cleanup >= 3600:
                    local.remove_old(self.engine)
                    last_cleanup = time.monotonic()
                if self.ticks:
                    clock.enqueue_due(self.engine)
                while not self.stopped.is_set() and local.run_due(self.engine, limit=local.CLAIM_BATCH):
                    pass
            except Exception:
                log.exception("job runner turn failed")
            wait = settings.jobs_poll_interval_s
            if self.ticks:
                wait = min(wait, clock.seconds_to_next(time.time()) + 0.05)
            queue.wake.wait(max(wait, 0.05))

    def stop(self, timeout: float = 10.0) -> None:
        self.stopped.set()
        queue.wake.set()
        self.join(timeout)


def conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _procrastinate_task(spec: registry.TaskSpec, engine: Engine) -> Callable[..., Any]:
    def run(context: Any, **kwargs: Any) -> Any:
        try:
            return spec.call(kwargs)
        except Exception as exc:
            with Session(engine) as session, session.begin():
                pg.record_failure(session, job_id=context.job.id, task_name=spec.name,
                                  attempt=context.job.attempts + 1, error=error_text(exc))
            raise

    run.__name__ = run.__qualname__ = spec.name.replace(".", "_")
    return run


def procrastinate_app(engine: Engine, pool_size: int = 4) -> Any:
    """A procrastinate App holding every registered task, its retries and its periodic schedule."""
    from procrastinate import App, PsycopgConnector, RetryStrategy

    builtin.register()
    app = App(connector=PsycopgConnector(conninfo=conninfo(engine), min_size=1, max_size=pool_size))
    base = get_settings().jobs_retry_base_s
    for spec in list(registry.TASKS.values()):
        retry: Any = False
        if spec.retries:
            retry = RetryStrategy(max_attempts=spec.retries, exponential_wait=base)
        proc_task = app.task(name=spec.name, pass_context=True, retry=retry)(
            _procrastinate_task(spec, engine))
        if spec.cron:
            app.periodic(cron=spec.cron, periodic_id=spec.name)(proc_task)
    return app


def worker_options(concurrency: int, queues: list[str] | None, *, signals: bool) -> dict[str, Any]:
    settings = get_settings()
    return {
        "concurrency": concurrency,
        "queues": queues or None,
        "install_signal_handlers": signals,
        "update_heartbeat_interval": settings.jobs_heartbeat_s,
        "stalled_worker_timeout": settings.jobs_stalled_after_s,
        "fetch_job_polling_interval": settings.jobs_poll_interval_s,
    }


def run_postgres_worker(engine: Engine, concurrency: int = 1, queues: list[str] | None = None) -> None:
    """Run a procrastinate worker in the foreground until SIGINT/SIGTERM."""
    app = procrastinate_app(engine, pool_size=concurrency + 3)
    app.run_worker(**worker_options(concurrency, queues, signals=True))


class PostgresWorkerThread(threading.Thread):
    """A procrastinate worker on its own event loop inside the web process."""

    def __init__(self, engine: Engine, concurrency: int = 1) -> None:
        super().__init__(name="smartgov-procrastinate", daemon=True)
        self.app = procrastinate_app(engine, pool_size=concurrency + 3)
        self.concurrency = concurrency
        self.loop: asyncio.AbstractEventLoop | None = None
        self.main: asyncio.Task[Any] | None = None

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()

        async def main() -> None:
            self.main = asyncio.current_task()
            async with self.app.open_async():
                await self.app.run_worker_async(**worker_options(self.concurrency, None, signals=False))

        try:
            self.loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("in-process procrastinate worker stopped")
        finally:
            self.loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is not None and self.main is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.main.cancel)
        self.join(timeout)


def start_in_process(engine: Engine, modules: Iterable[str]) -> Callable[[], None]:
    """Load the task modules; unless inline or switched off, run jobs in this process. Returns a stopper."""
    load(modules)
    settings = get_settings()
    if not settings.inprocess_worker or settings.jobs_inline:
        return lambda: None
    if is_postgres(engine):
        thread: LocalRunner | PostgresWorkerThread = PostgresWorkerThread(engine)
    else:
        thread = LocalRunner(engine)
    thread.start()
    return thread.stop


def run_local_foreground(engine: Engine, concurrency: int = 1) -> None:
    """``smartgov worker`` on SQLite: runner threads until Ctrl-C / SIGTERM."""
    import signal

    runners = [LocalRunner(engine, name=f"smartgov-jobs-{i}", ticks=i == 0)
               for i in range(max(1, concurrency))]
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    for runner in runners:
        runner.start()
    done.wait()
    for runner in runners:
        runner.stop()
