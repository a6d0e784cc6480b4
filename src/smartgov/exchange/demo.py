"""Demo data of 数据共享交换 (示范区): a synthetic population, enterprises, houses and rental houses,
the resource catalogue and a few requests in every state — never real people."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.service import principal_for
from smartgov.db import now
from smartgov.exchange import service
from smartgov.exchange.service import ItemSpec
from smartgov.org.models import Area, Department
from smartgov.registry import service as registry
from smartgov.registry import synthetic
from smartgov.registry.models import House, Person, RegAddress, Tenancy

PERSONS = 3000
ENTITIES = 300
PERSON_ITEMS = [
    ItemSpec("id_number", "公民身份号码", personal_kind="id_number"),
    ItemSpec("name", "姓名", personal_kind="name"),
    ItemSpec("gender", "性别"),
    ItemSpec("birth_date", "出生日期", "日期型"),
    ItemSpec("hukou_address", "户籍地址", personal_kind="address"),
    ItemSpec("current_address", "现住址", personal_kind="address"),
    ItemSpec("phone", "联系电话", personal_kind="phone"),
    ItemSpec("household_no", "户号"),
    ItemSpec("relation", "与户主关系"),
    ItemSpec("tags", "人员标签", "列表"),
]
ENTITY_ITEMS = [
    ItemSpec("credit_code", "统一社会信用代码"),
    ItemSpec("name", "名称"),
    ItemSpec("entity_type", "法人类型"),
    ItemSpec("legal_representative", "法定代表人", personal_kind="name"),
    ItemSpec("registered_address", "注册地址"),
    ItemSpec("business_status", "经营状态"),
]


def _dept(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).first()


def load_demo_exchange(session: Session, seed: int = 20261121) -> None:
    """Seed the registries, the catalogue and sample requests of the demo district (a second or so)."""
    police, market, civil, housing, health = (
        _dept(session, c) for c in ("gongan", "shichang", "minzheng", "zhujian", "weijian")
    )
    if police is None or market is None or civil is None:
        return
    rng = random.Random(seed)
    registry.import_rows(
        session,
        "person",
        synthetic.persons(PERSONS, area_code="330199", seed=seed),
        filename="示范区人口.csv",
        department_id=police.id,
        actor_name="demo",
    )
    registry.import_rows(
        session,
        "entity",
        synthetic.entities(ENTITIES, area_code="330199", seed=seed),
        filename="示范区法人.csv",
        department_id=market.id,
        actor_name="demo",
    )
    _locate_addresses(session, rng)
    _houses(session, rng, housing.id if housing else None)
    catalogue = [
        (
            "RK-0001",
            "人口基础信息",
            "基础信息资源",
            police,
            "全区实有人口的身份、住址、联系方式与人员标签",
            "conditional",
            None,
            PERSON_ITEMS,
        ),
        (
            "RK-DJLR",
            "独居老人信息",
            "主题信息资源",
            police,
            "人口库中标注为独居老人的人员，供关爱走访",
            "conditional",
            {"tag": "独居老人"},
            PERSON_ITEMS,
        ),
        (
            "FR-0001",
            "法人基础信息",
            "基础信息资源",
            market,
            "全区法人的登记信息",
            "unconditional",
            None,
            ENTITY_ITEMS,
        ),
    ]
    for code, name, cls, dept, summary, share, view, items in catalogue:
        service.save_resource(
            session,
            code=code,
            name=name,
            classification=cls,
            provider_department_id=dept.id,
            summary=summary,
            format="接口",
            share_type=share,
            open_type="不予开放",
            update_cycle="每日",
            source="registry.person" if code.startswith("RK") else "registry.entity",
            view_filter=view,
            share_conditions="用于申请部门的法定职责，须写明用途和依据" if share == "conditional" else None,
            items=items,
        )
    session.commit()
    _requests(session, police, civil, health or civil)


def _locate_addresses(session: Session, rng: random.Random) -> None:
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
    from sqlalchemy import bindparam

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


def _houses(session: Session, rng: random.Random, department_id: int | None) -> None:
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


def _requests(session: Session, police: Department, civil: Department, health: Department) -> None:
    """One request in each state: 已同意 (卫健 ← 独居老人), 待答复 (民政 ← 人口), 法人 shared at once."""

    def staff(department: Department) -> User | None:
        return session.scalars(
            select(User).where(User.department_id == department.id, User.is_staff).order_by(User.id)
        ).first()

    civil_user, police_user, health_user = staff(civil), staff(police), staff(health)
    if civil_user is None or police_user is None or health_user is None:
        return
    asker = principal_for(civil_user, "127.0.0.1", "demo", session=session)
    doctor = principal_for(health_user, "127.0.0.1", "demo", session=session)
    answerer = principal_for(police_user, "127.0.0.1", "demo", session=session)
    elders = service.resource_by_code(session, "RK-DJLR")
    people = service.resource_by_code(session, "RK-0001")
    firms = service.resource_by_code(session, "FR-0001")
    done = service.submit_request(
        session,
        doctor,
        resource_id=elders.id,
        purpose="独居老人家庭医生签约随访",
        legal_basis="《中华人民共和国基本医疗卫生与健康促进法》",
        duration_days=365,
        fields=["name", "gender", "birth_date", "current_address", "phone", "tags"],
        plain_fields=["name", "current_address", "phone"],
    )
    service.act(session, answerer, done.id, "approve", note="同意，限关爱走访使用")
    service.submit_request(
        session,
        asker,
        resource_id=people.id,
        purpose="低保家庭核对",
        legal_basis="《社会救助暂行办法》",
        fields=["name", "household_no", "relation", "tags"],
        duration_days=180,
    )
    service.submit_request(
        session,
        asker,
        resource_id=firms.id,
        purpose="养老机构登记核验",
        legal_basis="《养老机构管理办法》",
        fields=["credit_code", "name", "business_status"],
        duration_days=365,
    )
