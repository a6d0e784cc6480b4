"""Follow-up work of cases (案件后续处理), enqueued in the transaction of the change that needs it."""

from __future__ import annotations

from smartgov import jobs
from smartgov.cases import routing
from smartgov.cases import sweeper as _sweep_hook  # noqa: F401 — registers the cases' sweep hook
from smartgov.db import session_factory


@jobs.task("cases.route_new_case", retries=5, label="新案件自动分派")
def route_new_case(*, case_id: int) -> None:
    """直派 by the dispatch catalogue, or 智能派遣 by the learned suggester, for a new case."""
    routing.route_new_case(session_factory(), case_id)


@jobs.task("cases.train_dispatch_model", retries=1, label="训练智能派遣模型")
def train_dispatch_model() -> None:
    """训练智能派遣模型 on the closed cases, off the request that asked for it (admin page)."""
    with session_factory()() as session:
        routing.train_from_closed_cases(session)
