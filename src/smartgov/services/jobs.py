"""Background work of 一网通办: the sweep hook (视为受理 / 视为同意) and broken 容缺 promises."""

from __future__ import annotations

from smartgov import jobs
from smartgov.db import now, session_scope
from smartgov.services import service


@jobs.periodic("7 * * * *", "services.broken_promises", label="容缺承诺到期检查")
def broken_promises() -> None:
    """End every application whose promised 容缺 materials did not come by the promised date."""
    with session_scope() as session:
        service.terminate_broken_promises(session, now())
