"""Test data on factory_boy: one factory a table, plus ``report`` for a case that goes through the intake.

The factories write to the session they are bound to and flush; the ``session`` fixture binds each
test's session (``bind``), so a test just calls them::

    user = UserFactory(roles=["handler"], department=DepartmentFactory(), areas=[grid])
    case = CaseFactory(status="handling", grid=grid, timers=[{"stage": "handle", "due_at": due}])

``using(session)`` binds another session for a block (a second session, one a test opens itself).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import factory
from factory.alchemy import SQLAlchemyModelFactory
from shapely.geometry import shape
from sqlalchemy.orm import Session, object_session

from smartgov import jobs
from smartgov.auth.models import User, UserArea, UserRole
from smartgov.auth.passwords import hash_password
from smartgov.auth.principal import ANONYMOUS
from smartgov.cases import service
from smartgov.cases.models import Case, Category, RequestType
from smartgov.cases.schemas import CaseIntake, Source
from smartgov.db import now
from smartgov.iot.models import Device, DeviceProfile
from smartgov.org.models import Area, Department
from smartgov.services.models import Applicant, ServiceItem
from smartgov.workclock.models import WorkTimer
from smartgov.workflow.models import PendingRequest, TimelineEvent

if TYPE_CHECKING:
    from tests.cases.conftest import World

PASSWORD = "Test-Passw0rd"
_bound: Session | None = None


def bind(session: Session | None) -> None:
    """Make every factory write to this session (None unbinds)."""
    global _bound
    _bound = session


@contextmanager
def using(session: Session) -> Iterator[Session]:
    """Bind the factories to this session for a block, then restore the previous binding."""
    previous = _bound
    bind(session)
    try:
        yield session
    finally:
        bind(previous)


def _session() -> Session:
    if _bound is None:
        raise RuntimeError("no session bound to the factories: use the `session` fixture or using()")
    return _bound


@lru_cache
def _hashed(password: str) -> str:
    """argon2 is slow on purpose; hash each test password once per run."""
    return hash_password(password)


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"


class DepartmentFactory(_Factory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")


class AreaFactory(_Factory):
    """An area; ``polygon`` (a GeoJSON dict) fills the geometry and its centre."""

    class Meta:
        model = Area

    class Params:
        polygon: dict | None = None

    level = "grid"
    code = factory.Sequence(lambda n: f"A{n:04d}")
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.level}{n}")
    parent = None
    geometry = factory.LazyAttribute(lambda o: json.dumps(o.polygon) if o.polygon else None)
    center_lon = factory.LazyAttribute(lambda o: shape(o.polygon).centroid.x if o.polygon else None)
    center_lat = factory.LazyAttribute(lambda o: shape(o.polygon).centroid.y if o.polygon else None)


class UserFactory(_Factory):
    """An account with ``roles`` (names), ``areas`` and a ``department``; staff unless a citizen."""

    class Meta:
        model = User

    class Params:
        department: Department | None = None
        password = PASSWORD

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password_hash = factory.LazyAttribute(lambda o: _hashed(o.password))
    department_id = factory.LazyAttribute(lambda o: o.department.id if o.department else None)
    is_staff = factory.LazyAttribute(lambda o: not ({"citizen", "enterprise"} & set(o.roles)))
    roles: Iterable[str] = ()
    areas: Iterable[Area] = ()

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        kwargs["roles"] = [UserRole(role=role) for role in kwargs["roles"]]
        kwargs["areas"] = [UserArea(area_id=area.id) for area in kwargs["areas"]]
        return kwargs


class CategoryFactory(_Factory):
    """A minor class (小类) handled by ``department`` unless told otherwise."""

    class Meta:
        model = Category

    class Params:
        department: Department | None = None

    code = factory.Sequence(lambda n: f"9{n:03d}")
    name = factory.Sequence(lambda n: f"测试类别{n}")
    level = "minor"
    default_department_id = factory.LazyAttribute(lambda o: o.department.id if o.department else None)


class RequestTypeFactory(_Factory):
    """A 12345 request type (诉求类型) with its handling limit."""

    class Meta:
        model = RequestType

    code = factory.Sequence(lambda n: f"type{n}")
    name = factory.Sequence(lambda n: f"诉求类型{n}")
    handle_limit = "1wd"
    needs_callback = True


def _attach(case: Case, model: type, rows: Iterable[dict[str, Any]] | None,
            defaults: Callable[[], dict[str, Any]]) -> None:
    """Add rows of a platform table that point at the case (subject_type "case")."""
    session = object_session(case)
    for row in rows or ():
        session.add(model(subject_type="case", subject_id=case.id, **(defaults() | row)))


class CaseFactory(_Factory):
    """A plain case row, no intake; ``timers``, ``events``, ``requests``: dicts of platform rows to add."""

    class Meta:
        model = Case

    class Params:
        grid: Area | None = None
        department: Department | None = None
        creator: User | None = None

    tracking_code = factory.Sequence(lambda n: f"TEST-{n:06d}")
    case_no = factory.Sequence(lambda n: f"TEST{n:08d}")
    source = "portal"
    title = factory.Sequence(lambda n: f"测试案件{n}")
    description = factory.LazyAttribute(lambda o: o.title)
    status = "reported"
    reported_at = factory.LazyFunction(now)
    grid_id = factory.LazyAttribute(lambda o: o.grid.id if o.grid else None)
    community_id = factory.LazyAttribute(lambda o: o.grid.parent_id if o.grid else None)
    street_id = factory.LazyAttribute(lambda o: o.grid.parent.parent_id if o.grid and o.grid.parent else None)
    lead_department_id = factory.LazyAttribute(lambda o: o.department.id if o.department else None)
    created_by_id = factory.LazyAttribute(lambda o: o.creator.id if o.creator else None)

    @factory.post_generation
    def timers(case: Case, create: bool, extracted: Iterable[dict[str, Any]] | None, **_: Any) -> None:
        _attach(case, WorkTimer, extracted,
                lambda: {"limit_text": "1wd", "started_at": case.reported_at, "state": {}})

    @factory.post_generation
    def events(case: Case, create: bool, extracted: Iterable[dict[str, Any]] | None, **_: Any) -> None:
        _attach(case, TimelineEvent, extracted, lambda: {"at": case.reported_at, "actor_name": "系统"})

    @factory.post_generation
    def requests(case: Case, create: bool, extracted: Iterable[dict[str, Any]] | None, **_: Any) -> None:
        _attach(case, PendingRequest, extracted, lambda: {"reason": "测试申请"})


def report(
    world: World,
    category: str | None = "garbage",
    *,
    grid: int | None = 0,
    who: str | None = "citizen",
    at: datetime | None = None,
    client_addr: str | None = None,
    run_jobs: bool = True,
    **fields: Any,
) -> Case:
    """A case through the real intake (``grid``/``who`` None: no position/anonymous; ``fields``: intake)."""
    data: dict[str, Any] = {
        "source": Source.PORTAL,
        "category_code": world.cats[category].code if category else None,
        "description": "小区门口垃圾堆放多日无人清理",
        "reporter_phone": "13912345678",
    }
    if grid is not None:
        data["lon"], data["lat"] = world.point(grid)
    case = service.intake(world.session, CaseIntake(**(data | fields)),
                          principal=world.p(who) if who else ANONYMOUS, client_addr=client_addr, at=at)
    if not run_jobs:
        return case
    jobs.run_pending()
    world.session.expire_all()
    return world.session.get(Case, case.id)


def hotline(world: World, description: str, category: str | None = None, *, request_type: str = "complaint",
            grid: int | None = None, **kwargs: Any) -> Case:
    """A 12345 order the hotline operator takes, without a position unless ``grid``; see ``report``."""
    kwargs.setdefault("reporter_phone", "13900000000")
    return report(world, category, grid=grid, who="operator", source=Source.HOTLINE,
                  request_type=request_type, description=description, **kwargs)


def square(lon: float, lat: float, size: float = 0.001) -> dict:
    """A GeoJSON square with its south-west corner at (lon, lat)."""
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }



# --- 一网通办 -------------------------------------------------------------------------------


class ServiceItemFactory(_Factory):
    """A published service item version (事项) of ``department``; joint items list co-departments
    as ``joint_departments=[{"code": ..., "days": ...}]``."""

    class Meta:
        model = ServiceItem

    class Params:
        department: Department | None = None

    base_code = factory.Sequence(lambda n: f"00000{n:04d}")
    impl_code = factory.Sequence(lambda n: f"11330100MB0000000X{n:04d}")
    version = 1
    status = "published"
    name = factory.Sequence(lambda n: f"测试事项{n}")
    item_type = "行政许可"
    department_id = factory.LazyAttribute(lambda o: (o.department or DepartmentFactory()).id)
    audience = "both"
    statutory_days = 20
    promised_days = 10
    materials = factory.LazyFunction(lambda: [
        {"code": "M1", "name": "申请书", "necessity": "required", "source": "applicant"},
        {"code": "M2", "name": "场地证明", "necessity": "tolerable", "source": "applicant",
         "commitment": True},
    ])
    form_fields = factory.LazyFunction(lambda: [
        {"name": "applicant_name", "label": "申请人", "type": "text", "required": True,
         "prefill": "profile.name"},
    ])
    certificate_type = factory.LazyFunction(lambda: {"code": "11100000000013338W001", "name": "测试许可证",
                                                     "years": 5})
    published_at = factory.LazyFunction(now)


class ApplicantFactory(_Factory):
    class Meta:
        model = Applicant

    kind = "person"
    name = factory.Sequence(lambda n: f"申请人{n}")
    id_type = "111"
    id_number = factory.Sequence(lambda n: f"33010219900101{n:04d}")
    phone = "13900000000"


# --- 物联感知 (iot) ------------------------------------------------------------------------------


class DeviceFactory(_Factory):
    """A sensor of a built-in ``profile`` (DeviceProfile) with the access token ``token``."""

    class Meta:
        model = Device

    class Params:
        profile: DeviceProfile | None = None
        department: Department | None = None
        token = factory.Sequence(lambda n: f"device-token-{n}")

    code = factory.Sequence(lambda n: f"DEV-{n:04d}")
    name = factory.Sequence(lambda n: f"测试设备{n}")
    profile_id = factory.LazyAttribute(lambda o: o.profile.id)
    department_id = factory.LazyAttribute(lambda o: o.department.id if o.department else None)
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.token.encode()).hexdigest())
    attributes: dict[str, Any] = factory.LazyFunction(dict)
    latest: dict[str, Any] = factory.LazyFunction(dict)
    rejected_count = 0
    is_active = True


# --- base registries and exchange (registry/, exchange/) ---

def person_row(id_number: str, name: str = "测试人", **extra: str) -> dict[str, str]:
    """One row of a population import file, with Chinese headers as a keeper's file has them."""
    row = {"公民身份号码": id_number, "姓名": name, "现住址": "南山路12号3幢2单元301室",
           "联系电话": "13812345678"}
    row.update(extra)
    return row


def registry_resource(session: Session, provider: Department, *, code: str = "RK-0001",
                      share_type: str = "conditional", tag: str | None = None) -> Any:
    """A 人口 resource of the catalogue provided by ``provider`` (name, ID number, phone, address, tags)."""
    from smartgov.exchange import service as exchange
    from smartgov.exchange.service import ItemSpec

    return exchange.save_resource(
        session, code=code, name="人口基础信息" + (f"（{tag}）" if tag else ""),
        classification="基础信息资源",
        provider_department_id=provider.id, summary="全区实有人口", format="接口", share_type=share_type,
        share_conditions="用于本部门法定职责" if share_type == "conditional" else None,
        open_type="不予开放",
        update_cycle="每日", source="registry.person", view_filter={"tag": tag} if tag else None,
        items=[ItemSpec("id_number", "公民身份号码", personal_kind="id_number"),
               ItemSpec("name", "姓名", personal_kind="name"), ItemSpec("gender", "性别"),
               ItemSpec("birth_date", "出生日期", "日期型"),
               ItemSpec("phone", "联系电话", personal_kind="phone"),
               ItemSpec("current_address", "现住址", personal_kind="address"),
               ItemSpec("tags", "人员标签", "列表")])


# --- 舆情监测 (opinion) ------------------------------------------------------------------------------
from smartgov.opinion.models import OpinionSource, SensitiveTerm  # noqa: E402


class OpinionSourceFactory(_Factory):
    """A source of 舆情 items (a partner push source unless told)."""

    class Meta:
        model = OpinionSource

    code = factory.Sequence(lambda n: f"src{n}")
    name = factory.Sequence(lambda n: f"信息源{n}")
    kind = "push"
    channel = "weibo"
    is_active = True


class SensitiveTermFactory(_Factory):
    """A sensitive term of a category."""

    class Meta:
        model = SensitiveTerm

    term = factory.Sequence(lambda n: f"敏感词{n}")
    category = "stability"
    weight = 60
    is_active = True
