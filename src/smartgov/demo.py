"""The demo district (示范区): geography, departments, staff for every role, catalogue, cases."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.roles import Role
from smartgov.db import session_scope
from smartgov.org.models import Area, Department

DEMO_PASSWORD = "Demo@2026sg"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    department_code: str | None = None
    scope: str | None = None  # "grids" (first street's grids) or "street"


DEMO_ACCOUNTS = (
    DemoAccount("citizen", "市民张先生", Role.CITIZEN),
    DemoAccount("operator", "话务员王芳", Role.HOTLINE_OPERATOR, "zhihui"),
    DemoAccount("inspector", "监督员李强", Role.INSPECTOR, "zhihui", "grids"),
    DemoAccount("chief", "值班长赵敏", Role.DUTY_CHIEF, "zhihui"),
    DemoAccount("dispatcher", "派遣员陈刚", Role.DISPATCHER, "zhihui"),
    DemoAccount("handler", "城管执法队员刘洋", Role.HANDLER, "chengguan"),
    DemoAccount("handler_sz", "市政养护员孙磊", Role.HANDLER, "shizheng"),
    DemoAccount("handler_hw", "环卫所周杰", Role.HANDLER, "huanwei"),
    DemoAccount("street", "街道办吴婷", Role.HANDLER, None, "street"),
    DemoAccount("clerk", "窗口人员郑丽", Role.WINDOW_CLERK, "zhengwu"),
    DemoAccount("approver", "审批人员冯涛", Role.APPROVER, "shichang"),
    DemoAccount("supervisor", "督办员何静", Role.SUPERVISOR, "zhihui"),
    DemoAccount("leader", "区领导许明", Role.LEADER, "zhihui"),
    DemoAccount("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "shuju"),
    DemoAccount("secadmin", "安全管理员", Role.SECURITY_ADMIN, "shuju"),
    DemoAccount("auditor", "审计管理员", Role.AUDIT_ADMIN, "shuju"),
)

# Departments the platform itself needs beside the line departments of org.demo.
PLATFORM_DEPARTMENTS = (
    ("zhihui", "区城市运行管理指挥中心", "一网统管受理、立案、派遣、核查、结案、督办"),
    ("zhengwu", "区政务服务中心", "一网通办 一窗受理"),
    ("shuju", "区数据资源管理局", "平台运维、安全与审计"),
    ("xiaofang", "区消防救援大队", "消防设施与火灾隐患"),
)


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Area)) and not session.scalar(
        select(func.count()).select_from(User)
    )


def _department(session: Session, code: str | None) -> Department | None:
    if code is None:
        return None
    return session.scalar(select(Department).where(Department.code == code))


def add_platform_departments(session: Session) -> None:
    for code, name, duties in PLATFORM_DEPARTMENTS:
        if _department(session, code) is None:
            session.add(Department(code=code, name=name, duties=duties))
    session.flush()


def create_demo_accounts(session: Session) -> list[DemoAccount]:
    from smartgov.auth.service import create_user

    streets = session.scalars(select(Area).where(Area.level == "street").order_by(Area.code)).all()
    first_street = streets[0] if streets else None
    grids = session.scalars(select(Area).where(Area.level == "grid").order_by(Area.code)).all()
    street_grid_ids = [g.id for g in grids if first_street and g.code.startswith(first_street.code)]
    for account in DEMO_ACCOUNTS:
        dept = _department(session, account.department_code)
        area_ids: list[int] = []
        if account.scope == "grids":
            area_ids = street_grid_ids[:12] or [g.id for g in grids[:12]]
        elif account.scope == "street" and first_street is not None:
            area_ids = [first_street.id]
            dept = (
                session.scalar(select(Department).where(Department.area_id == first_street.id))
                or dept
            )
        create_user(
            session,
            username=account.username,
            password=DEMO_PASSWORD,
            display_name=account.display_name,
            roles=[account.role],
            department_id=dept.id if dept else None,
            area_ids=area_ids,
            is_staff=not account.role.is_public,
            phone="13800000000" if account.role.is_public else None,
        )
    return list(DEMO_ACCOUNTS)


def print_accounts(console: Console) -> None:
    table = Table(title=f"演示账号 (demo accounts) · 密码 password: {DEMO_PASSWORD}")
    table.add_column("角色 role")
    table.add_column("用户名 username")
    table.add_column("姓名 name")
    for account in DEMO_ACCOUNTS:
        table.add_row(
            f"{account.role.label} ({account.role.value})", account.username, account.display_name
        )
    console.print(table)


def load_demo(
    *,
    cases: int = 0,
    force: bool = False,
    seed: int = 20261121,
    console: Console | None = None,
    only_if_empty: bool = False,
) -> bool:
    """Load the demo district into an empty database; returns False when data was already there."""
    from smartgov.cases.catalogue.service import load_demo_catalogue
    from smartgov.cases.demo import generate_cases, load_knowledge_base
    from smartgov.org.demo import build_demo_district

    console = console or Console()
    with session_scope() as session:
        empty = database_is_empty(session)
        if not empty and not force:
            if only_if_empty:
                console.print(
                    "[yellow]数据库已有数据，跳过演示数据加载 (database not empty)[/yellow]"
                )
            else:
                console.print(
                    "[yellow]数据库非空；使用 --force 追加演示案件 (use --force)[/yellow]"
                )
        if empty:
            geo = build_demo_district(session, seed=seed)
            add_platform_departments(session)
            minors = load_demo_catalogue(session)
            create_demo_accounts(session)
            load_knowledge_base(session)
            console.print(
                f"[green]示范区已加载[/green]: {len(geo.streets)} 个街道, "
                f"{len(geo.communities)} 个社区, {len(geo.grids)} 个网格, "
                f"{len(geo.departments)} 个部门, {minors} 个案件小类"
            )
    if cases and (empty or force):
        generate_cases(cases, seed=seed, console=console)
    print_accounts(console)
    return empty
