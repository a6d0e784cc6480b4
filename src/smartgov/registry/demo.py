"""The demo district's registries (示范区基础库): addresses located to the demo grids, houses and
rental houses with tenants (the population itself is imported by ``service.load_demo_registries``)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.org.models import Area
from smartgov.registry.models import House, Person, RegAddress, Tenancy


def locate_addresses(session: Session, rng: random.Random) -> None:
    """Put each standard address in a grid of the district (a road runs through a band of grids)."""
    grids = session.scalars(
        select(Area).where(Area.level == "grid", Area.code.startswith("330199")).order_by(Area.code)
    ).all()
    if not grids:
        return
    roads = sorted(set(session.scalars(select(RegAddress.road))))
    rows = []
    for address_id, road, number in session.execute(
        select(RegAddress.id, RegAddress.road, RegAddress.number)
    ):
        band = roads.index(road) * len(grids) // max(len(roads), 1)
        grid = grids[(band + int((number or "1号")[:-1]) // 10) % len(grids)]
        rows.append(
            {
                "b_id": address_id,
                "grid_id": grid.id,
                "community_id": grid.parent_id,
                "lon": (grid.center_lon or 0) + rng.uniform(-0.0004, 0.0004),
                "lat": (grid.center_lat or 0) + rng.uniform(-0.0004, 0.0004),
            }
        )
    table = RegAddress.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            grid_id=bindparam("grid_id"),
            community_id=bindparam("community_id"),
            lon=bindparam("lon"),
            lat=bindparam("lat"),
        ),
        rows,
    )


def add_houses(session: Session, rng: random.Random, department_id: int | None) -> None:
    """A house at every address; about a fifth are rental houses (出租屋) with a landlord and tenants."""
    people = session.execute(select(Person.id, Person.current_address_id, Person.tags)).all()
    by_address: dict[int, list[tuple[int, str]]] = {}
    for pid, address_id, tags in people:
        by_address.setdefault(address_id, []).append((pid, tags))
    owners = [pid for pid, _, tags in people if "流动人口" not in tags]
    today = now().date()
    for address_id in session.scalars(select(RegAddress.id).order_by(RegAddress.id)):
        rental = rng.random() < 0.2
        house = House(
            address_id=address_id,
            house_type=rng.choice(("住宅", "住宅", "住宅", "商铺")),
            floor_area_m2=round(rng.uniform(35, 140), 1),
            is_rental=rental,
            landlord_id=rng.choice(owners) if rental and owners else None,
            source_department_id=department_id,
        )
        session.add(house)
        if rental:
            session.flush()
            for pid, _tags in by_address.get(address_id, []):
                moved = today - timedelta(days=rng.randrange(30, 900))
                session.add(
                    Tenancy(
                        house_id=house.id,
                        person_id=pid,
                        moved_in=moved,
                        moved_out=None if rng.random() < 0.85 else moved + timedelta(days=200),
                    )
                )
    session.flush()
