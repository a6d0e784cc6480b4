"""Demo data of 数据共享交换 (示范区): the registries (seeded by the registry domain), the resource
catalogue and a few requests in every state — never real people."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.service import principal_for
from smartgov.exchange import service
from smartgov.exchange.service import ItemSpec
from smartgov.org.models import Department
from smartgov.registry import service as registry

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
    registry.load_demo_registries(
        session,
        population_department_id=police.id,
        entity_department_id=market.id,
        house_department_id=housing.id if housing else None,
        seed=seed,
    )
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
