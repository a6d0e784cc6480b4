"""Departments and areas (区 → 街道 → 社区 → 单元网格) with geometry; grid lookup by point."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect

from smartgov.org.models import Area

# Changes to these columns move or rename an area; cached locators and maps must notice them.
_LOCATING_COLUMNS = ("code", "name", "level", "parent_id", "geometry")


@event.listens_for(Area, "before_update")
def _bump_revision(_mapper: Any, _connection: Any, target: Area) -> None:
    """Bump ``Area.revision`` on every ORM update that moves the area (any process sees it)."""
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in _LOCATING_COLUMNS):
        target.revision = (target.revision or 0) + 1
