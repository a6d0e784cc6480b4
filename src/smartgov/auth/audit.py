"""Writing to the append-only audit log (审计). Nothing here, or anywhere, edits or deletes it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from smartgov.auth.models import AuditEntry, User
from smartgov.db import now


def record(
    session: Session,
    *,
    action: str,
    actor: User | None = None,
    actor_name: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    result: str = "success",
    client_addr: str | None = None,
    detail: dict[str, Any] | str | None = None,
) -> AuditEntry:
    """Add one audit line to the session; it is committed with the change it describes."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, default=str)
    entry = AuditEntry(
        at=now(),
        actor_id=actor.id if actor else None,
        actor_name=actor_name or (actor.username if actor else "anonymous"),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        result=result,
        client_addr=client_addr,
        detail=detail,
    )
    session.add(entry)
    return entry
