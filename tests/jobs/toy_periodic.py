"""A toy periodic task for the worker-process tests: every 3 seconds, one line per run."""

from __future__ import annotations

import os

from smartgov import jobs


@jobs.periodic(os.environ.get("TOY_TICK_CRON", "* * * * * */3"), "toy.tick", label="测试节拍")
def tick(timestamp: int) -> None:
    path = os.environ["SMARTGOV_TEST_JOBS_LOG"]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"tick {timestamp} {os.getpid()}\n")
