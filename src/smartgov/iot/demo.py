"""演示设备: sensors spread over the demo district's grids (covers, lamps, gauges, stations, bins,
buildings), with fixed demo tokens ``demo-<code>`` so HTTP posts work at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.iot import catalogue
from smartgov.iot.buildings import load_demo_buildings
from smartgov.iot.models import Device
from smartgov.iot.service import hash_token
from smartgov.org.models import Area, Department

STREETS = ("文三路", "学院路", "教工路", "古翠路", "莫干山路", "天目山路")
# profile, code prefix, name, how many, owner department
DEMO_FLEET = (
    ("manhole_cover", "JG", "井盖", 24, "shizheng"),
    ("street_lamp", "LD", "路灯", 24, "shizheng"),
    ("flood_gauge", "SW", "积水监测点", 4, "shuiwu"),
    ("air_quality", "KQ", "空气质量站", 4, "shengtai"),
    ("waste_container", "LJ", "智能垃圾箱", 8, "huanwei"),
    ("energy_meter", "DB", "电表", 3, "zhujian"),
    ("indoor_env", "HJ", "室内环境", 3, "zhujian"),
)
BUILDINGS = ("区行政服务中心", "区图书馆", "区档案馆")


def demo_token(code: str) -> str:
    return f"demo-{code}"


def load_demo_iot(session: Session) -> int:
    """The demo fleet and the public buildings' energy history, once; returns the devices added."""
    added = load_demo_devices(session)
    load_demo_buildings(session, now().date())
    return added


def load_demo_devices(session: Session) -> int:
    """Register the demo fleet once (a second call adds nothing); returns how many were added."""
    if session.scalar(select(Device.id).limit(1)) is not None:
        return 0
    profiles = catalogue.ensure_builtin(session)
    grids = session.scalars(
        select(Area).where(Area.level == "grid", Area.center_lon.is_not(None)).order_by(Area.code)
    ).all()
    departments = dict(session.execute(select(Department.code, Department.id)).all())
    added = 0
    for p, (profile, prefix, label, count, dept) in enumerate(DEMO_FLEET):
        for i in range(count):
            grid = grids[(i * 7 + p * 3) % len(grids)] if grids else None
            street = STREETS[i % len(STREETS)]
            code = f"{prefix}-{i + 1:04d}"
            attributes: dict[str, str] = {}
            if profile == "manhole_cover":
                attributes = {"cover_type": ("sewage", "rain", "power", "water")[i % 4]}
            elif profile == "street_lamp":
                attributes = {"street": street, "pole_no": f"{prefix}-{i + 1:04d}"}
            elif profile in ("energy_meter", "indoor_env"):
                attributes = {"building": BUILDINGS[i % len(BUILDINGS)]}
            name = (
                f"{BUILDINGS[i % len(BUILDINGS)]}{label}"
                if profile in ("energy_meter", "indoor_env")
                else f"{street}{label}{i + 1}号"
            )
            session.add(
                Device(
                    code=code,
                    name=name,
                    profile_id=profiles[profile].id,
                    lon=grid.center_lon if grid else None,
                    lat=grid.center_lat if grid else None,
                    grid_id=grid.id if grid else None,
                    address=f"{street}{(i + 1) * 12}号附近",
                    department_id=departments.get(dept),
                    token_hash=hash_token(demo_token(code)),
                    attributes=attributes,
                    latest={},
                    rejected_count=0,
                    is_active=True,
                )
            )
            added += 1
    session.flush()
    return added
