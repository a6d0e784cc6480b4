"""Toy tasks for the job engine's tests (never the domains' tasks)."""

from __future__ import annotations

import os
import time

from smartgov import jobs

CALLS: list[object] = []
FLAKY = {"fail": True}


def _log(line: str) -> None:
    path = os.environ.get("SMARTGOV_TEST_JOBS_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{line} {os.getpid()}\n")


@jobs.task("toy.record", retries=2, label="测试记录")
def record(value: object) -> None:
    CALLS.append(value)
    _log(f"record {value}")


@jobs.task("toy.fail", retries=2, label="总是失败")
def fail(value: int) -> None:
    raise RuntimeError(f"boom {value}")


@jobs.task("toy.flaky", retries=0, label="时好时坏")
def flaky(value: int) -> None:
    if FLAKY["fail"]:
        raise ValueError(f"not yet {value}")
    CALLS.append(value)


@jobs.task("toy.slow", retries=3)
def slow(tag: str) -> None:
    _log(f"start {tag}")
    time.sleep(float(os.environ.get("TOY_SLOW_SECONDS", "0")))
    _log(f"done {tag}")


@jobs.task("toy.enqueue_more", retries=0)
def enqueue_more(value: int) -> None:
    from smartgov.db import session_scope

    with session_scope() as session:
        jobs.enqueue(session, "toy.record", value=value + 1)
