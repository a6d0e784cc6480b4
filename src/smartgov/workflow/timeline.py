"""The timeline of any subject (流转记录): one append-only list of who did what, when and why."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.workflow.models import TimelineEvent

SYSTEM_ACTOR = "系统"


def values(
    subject_type: str,
    subject_id: int | None,
    principal: Any,
    action: str,
    from_state: str | None,
    to_state: str | None,
    note: str | None = None,
    *,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one entry; without a principal the system acts (系统)."""
    user = principal.user if principal is not None else None
    return {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "at": at or now(),
        "actor_id": user.id if user else None,
        "actor_name": user.display_name if user else SYSTEM_ACTOR,
        "action": action,
        "from_state": str(from_state) if from_state else None,
        "to_state": str(to_state) if to_state else None,
        "note": note,
        "data": data,
    }


def record(session: Session, subject_type: str, subject_id: int, *args: Any, **kwargs: Any) -> TimelineEvent:
    """Add one entry to a subject's timeline; the arguments after the subject are ``values``'."""
    event = TimelineEvent(**values(subject_type, subject_id, *args, **kwargs))
    session.add(event)
    return event


def entries(session: Session, subject_type: str, subject_ids: Iterable[int]) -> list[TimelineEvent]:
    """The timeline of one or more subjects in the order it happened."""
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.subject_type == subject_type, TimelineEvent.subject_id.in_(set(subject_ids)))
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
    )
