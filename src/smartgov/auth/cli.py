"""``smartgov users …``: create, list and unlock accounts from the command line (用户管理)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from smartgov.auth import service
from smartgov.auth.roles import ROLE_LABELS, Role, parse_role
from smartgov.db import now, session_scope
from smartgov.errors import AppError
from smartgov.org.models import Department

app = typer.Typer(help="用户与权限 (accounts)", no_args_is_help=True, add_completion=False)
console = Console()


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)


@app.command("create")
def create(
    username: str = typer.Argument(..., help="用户名"),
    role: list[str] = typer.Option(..., "--role", "-r",
                                   help="角色，可重复: " + ", ".join(r.value for r in Role)),
    department: str = typer.Option(None, "--department", "-d", help="部门编码"),
    area: list[str] = typer.Option([], "--area", "-a", help="责任区域编码，可重复"),
    name: str = typer.Option(None, "--name", "-n", help="姓名 (default: the user name)"),
    password: str = typer.Option(None, "--password", help="密码 (prompted when absent)"),
    phone: str = typer.Option(None, "--phone", help="手机"),
) -> None:
    """Create an account (新建用户); public roles (citizen, enterprise) make a non-staff account."""
    try:
        roles = [parse_role(r) for r in role]
    except AppError as exc:
        _fail(exc.message)
        return
    is_staff = not any(r.is_public for r in roles)
    if password is None:
        password = typer.prompt("密码 (password)", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope() as session:
            department_id = None
            if department:
                department_id = session.scalar(select(Department.id)
                                               .where(Department.code == department))
                if department_id is None:
                    _fail(f"部门编码不存在：{department} (unknown department)")
            area_ids = service.area_ids_for_codes(session, list(area))
            user = service.create_user(session, username=username, password=password,
                                       display_name=name or username, roles=roles,
                                       department_id=department_id, area_ids=area_ids,
                                       is_staff=is_staff, phone=phone)
            labels = "、".join(ROLE_LABELS[r] for r in roles)
            console.print(f"[green]已创建用户 {user.username}[/green] ({labels})")
    except AppError as exc:
        _fail(exc.message)


@app.command("list")
def list_users() -> None:
    """List accounts with roles, department and lock state (用户列表)."""
    with session_scope() as session:
        departments = dict(session.execute(select(Department.id, Department.code)).all())
        table = Table("用户名", "姓名", "类型", "部门", "角色", "状态")
        at = now()
        for user in service.list_users(session):
            if not user.is_active:
                state = "停用"
            elif service.is_locked(user, at):
                state = f"锁定至 {user.locked_until:%Y-%m-%d %H:%M}"
            else:
                state = "正常"
            kind = "工作人员" if user.is_staff else "群众/企业"
            table.add_row(user.username, user.display_name, kind,
                          departments.get(user.department_id, "") if user.department_id else "",
                          ", ".join(sorted(user.role_names)), state)
        console.print(table)


@app.command("unlock")
def unlock(username: str = typer.Argument(..., help="用户名")) -> None:
    """Clear a lockout after repeated failed logins (解锁)."""
    with session_scope() as session:
        user = service.get_user_by_username(session, username)
        if user is None:
            _fail(f"用户不存在：{username} (no such user)")
            return
        service.unlock_user(session, user)
        console.print(f"[green]已解锁 {username}[/green]")


@app.command("password")
def password(
    username: str = typer.Argument(..., help="用户名"),
    new_password: str = typer.Option(None, "--password", help="新密码 (prompted when absent)"),
) -> None:
    """Set a new password for an account (重置密码); ends its web sessions."""
    if new_password is None:
        new_password = typer.prompt("新密码 (new password)", hide_input=True,
                                    confirmation_prompt=True)
    try:
        with session_scope() as session:
            user = service.get_user_by_username(session, username)
            if user is None:
                _fail(f"用户不存在：{username} (no such user)")
                return
            service.reset_password(session, user, new_password)
            console.print(f"[green]已重置 {username} 的密码[/green]")
    except AppError as exc:
        _fail(exc.message)
