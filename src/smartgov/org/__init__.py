"""Departments and areas (区 → 街道 → 社区 → 单元网格) with geometry; grid lookup by point."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from smartgov.org.models import Area

# Changes to these columns move or rename an area; cached locators and maps must notice them.
_LOCATING_COLUMNS = ("code", "name", "level", "parent_id", "geometry")


@event.listens_for(Area, "before_update")
def _bump_revision(_mapper: Any, _connection: Any, target: Area) -> None:
    """Bump ``Area.revision`` on every ORM update that moves the area (any process sees it)."""
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in _LOCATING_COLUMNS):
        from smartgov.org.geo import recheck_signature

        target.revision = (target.revision or 0) + 1
        recheck_signature()  # this process notices at once; others within SIGNATURE_RECHECK_S
        session = state.session
        if session is not None:
            session.info["areas_changed"] = True


@event.listens_for(Session, "after_commit")
def _areas_committed(session: Session) -> None:
    session.info.pop("areas_changed", None)


@event.listens_for(Session, "after_rollback")
def _areas_rolled_back(session: Session) -> None:
    """A locator built from edits that were then rolled back must not stay cached."""
    if session.info.pop("areas_changed", False):
        from smartgov.org.geo import bump_version

        bump_version()
