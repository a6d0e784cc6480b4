"""The task registry (任务登记): domains declare their follow-up work; the platform never imports them."""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

log = logging.getLogger("smartgov.jobs")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class TaskSpec:
    """One registered task: its stable name, the function, how often to retry, a Chinese label."""

    name: str
    func: Callable[..., Any]
    retries: int = 5
    label: str = ""
    cron: str = ""  # set for periodic tasks (定时任务)
    takes_timestamp: bool = field(default=False)

    @property
    def max_attempts(self) -> int:
        """Runs in all: the first one and ``retries`` more."""
        return self.retries + 1

    @property
    def display_name(self) -> str:
        return self.label or self.name

    def call(self, args: dict[str, Any]) -> Any:
        """Run the function with the stored keyword arguments (a tick's timestamp only if it wants it)."""
        kwargs = dict(args)
        if self.cron and not self.takes_timestamp:
            kwargs.pop("timestamp", None)
        return self.func(**kwargs)


TASKS: dict[str, TaskSpec] = {}
# The engine's own periodic tasks on PostgreSQL (jobs.builtin); on SQLite the runner does this itself.
HOUSEKEEPING = ("jobs.retry_stalled", "jobs.remove_old")


def _accepts_timestamp(func: Callable[..., Any]) -> bool:
    params = inspect.signature(func).parameters
    return "timestamp" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _register(spec: TaskSpec) -> None:
    known = TASKS.get(spec.name)
    if known is not None and known.func is not spec.func and (
        known.func.__module__, known.func.__qualname__) != (spec.func.__module__, spec.func.__qualname__):
        raise ValueError(f"task name already registered by another function: {spec.name}")
    TASKS[spec.name] = spec


def task(name: str, *, retries: int = 5, label: str = "") -> Callable[[F], F]:
    """Register a plain sync function taking JSON-serialisable keyword arguments as task ``name``."""

    def decorate(func: F) -> F:
        _register(TaskSpec(name=name, func=func, retries=retries, label=label))
        return func

    return decorate


def periodic(cron: str, name: str, *, label: str = "", retries: int = 0) -> Callable[[F], F]:
    """Register a periodic task (定时任务): one run per cron tick, however many workers run."""

    def decorate(func: F) -> F:
        _register(TaskSpec(name=name, func=func, retries=retries, label=label, cron=cron,
                           takes_timestamp=_accepts_timestamp(func)))
        return func

    return decorate


def get(name: str) -> TaskSpec | None:
    return TASKS.get(name)


def periodic_tasks() -> list[TaskSpec]:
    return [spec for spec in TASKS.values() if spec.cron]


def label_of(name: str) -> str:
    """The Chinese label of a task where it declares one, else its name."""
    spec = TASKS.get(name)
    return spec.display_name if spec else name


def load_task_modules(names: Iterable[str]) -> list[str]:
    """Import the modules that register tasks; a module that is absent is skipped (not its imports)."""
    loaded = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                log.debug("job module %s not present", name)
                continue
            raise
        loaded.append(name)
    return loaded


def attempt(task_name: str, args: dict[str, Any] | None, job_id: object) -> BaseException | None:
    """Run one attempt of a job (执行一次); the exception it failed with, or None."""
    spec = get(task_name)
    try:
        if spec is None:
            raise LookupError(f"未登记的任务 (task not registered): {task_name}")
        spec.call(args or {})
    except Exception as exc:
        log.warning("job %s %s failed: %s", job_id, task_name, exc)
        return exc
    return None
