"""Small factories for test data; each returns a flushed object."""

from __future__ import annotations

import itertools
import json
from functools import lru_cache

from sqlalchemy.orm import Session

from smartgov.auth.models import User, UserArea, UserRole
from smartgov.auth.passwords import hash_password
from smartgov.org.models import Area, Department

PASSWORD = "Test-Passw0rd"
_seq = itertools.count(1)


@lru_cache
def _hashed(password: str) -> str:
    """argon2 is slow on purpose; hash each test password once per run."""
    return hash_password(password)


def make_department(
    session: Session, code: str | None = None, name: str | None = None
) -> Department:
    n = next(_seq)
    dept = Department(code=code or f"D{n:03d}", name=name or f"测试部门{n}")
    session.add(dept)
    session.flush()
    return dept


def square(lon: float, lat: float, size: float = 0.001) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def make_area(
    session: Session,
    level: str,
    code: str | None = None,
    parent: Area | None = None,
    geometry: dict | None = None,
    name: str | None = None,
) -> Area:
    n = next(_seq)
    area = Area(
        code=code or f"A{n:04d}",
        name=name or f"{level}{n}",
        level=level,
        parent_id=parent.id if parent else None,
        geometry=json.dumps(geometry) if geometry else None,
    )
    if geometry:
        from shapely.geometry import shape

        c = shape(geometry).centroid
        area.center_lon, area.center_lat = c.x, c.y
    session.add(area)
    session.flush()
    return area


def make_user(
    session: Session,
    *roles: str,
    username: str | None = None,
    department: Department | None = None,
    areas: tuple[Area, ...] = (),
    is_staff: bool | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_seq)
    staff = is_staff if is_staff is not None else not ({"citizen", "enterprise"} & set(roles))
    user = User(
        username=username or f"user{n}",
        display_name=f"用户{n}",
        password_hash=_hashed(password),
        is_staff=staff,
        department_id=department.id if department else None,
    )
    user.roles = [UserRole(role=r) for r in roles]
    user.areas = [UserArea(area_id=a.id) for a in areas]
    session.add(user)
    session.flush()
    return user
