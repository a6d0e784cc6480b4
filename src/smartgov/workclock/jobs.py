"""Background work of the working clock (计时任务): the time-limit sweep, once a minute."""

from __future__ import annotations

from smartgov import jobs
from smartgov.db import session_scope
from smartgov.workclock import sweeper


@jobs.periodic("* * * * *", "workclock.sweep", label="时限巡检")
def sweep() -> None:
    """One sweep of every running timer; each subject type's hook does the rest."""
    with session_scope() as session:
        sweeper.sweep(session)
