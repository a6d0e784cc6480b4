"""What the composition root plugs in: the modules that register domain jobs (任务模块)."""

from __future__ import annotations

# Each domain registers its tasks in ``<domain>/jobs.py``; a module that does not exist yet is skipped.
JOB_MODULES: tuple[str, ...] = ("smartgov.workclock.jobs", "smartgov.inbox.jobs", "smartgov.cases.jobs",
                                 "smartgov.cases.kpi.jobs", "smartgov.services.jobs",
                                 "smartgov.iot.jobs", "smartgov.exchange.jobs",
                                 "smartgov.opinion.jobs")
# Long-running parts a domain starts beside the server ("module:function(session_factory) -> stop").
BACKGROUND: tuple[str, ...] = ("smartgov.iot.mqtt:start_in_process",)
