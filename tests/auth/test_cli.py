from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from smartgov.auth import service
from smartgov.auth.cli import app
from smartgov.auth.models import User
from smartgov.db import now
from tests.factories import AreaFactory, DepartmentFactory, UserFactory

runner = CliRunner()


def test_users_create_list_unlock(session) -> None:  # type: ignore[no-untyped-def]
    DepartmentFactory(code="CGJ", name="城管局")
    AreaFactory(code="G-9")
    session.commit()
    result = runner.invoke(app, ["create", "xiaowang", "--role", "inspector", "--role", "handler",
                                 "--department", "CGJ", "--area", "G-9", "--name", "小王",
                                 "--password", "Strong-Pass1"])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "xiaowang"))
    assert user.role_names == {"inspector", "handler"} and user.display_name == "小王"
    assert len(user.areas) == 1
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0 and "xiaowang" in listed.output

    user.locked_until = now() + timedelta(minutes=10)
    session.commit()
    assert "锁定" in runner.invoke(app, ["list"]).output
    assert runner.invoke(app, ["unlock", "xiaowang"]).exit_code == 0
    session.expire_all()
    assert session.get(User, user.id).locked_until is None


def test_users_create_prompts_for_password_and_reports_errors(session) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["create", "guanli", "--role", "系统管理员"],
                           input="Strong-Pass1\nStrong-Pass1\n")
    assert result.exit_code == 0, result.output
    assert service.authenticate(session, "guanli", "Strong-Pass1", None)
    dup = runner.invoke(app, ["create", "guanli", "--role", "handler", "--password",
                              "Strong-Pass1"])
    assert dup.exit_code == 1 and "已存在" in dup.output
    weak = runner.invoke(app, ["create", "other", "--role", "handler", "--password", "weak"])
    assert weak.exit_code == 1 and "密码" in weak.output
    role = runner.invoke(app, ["create", "other", "--role", "mayor", "--password", "Strong-Pass1"])
    assert role.exit_code == 1 and "未知角色" in role.output
    dept = runner.invoke(app, ["create", "other", "--role", "handler", "--department", "NOPE",
                               "--password", "Strong-Pass1"])
    assert dept.exit_code == 1 and "部门" in dept.output
    assert runner.invoke(app, ["unlock", "ghost"]).exit_code == 1


def test_citizen_role_makes_a_public_account(session) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["create", "13900003333", "--role", "citizen",
                                 "--password", "Strong-Pass1"])
    assert result.exit_code == 0, result.output
    assert not service.get_user_by_username(session, "13900003333").is_staff


def test_users_password_resets(session) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    assert runner.invoke(app, ["password", "zhang", "--password", "Other-Pass1"]).exit_code == 0
    session.expire_all()
    assert service.authenticate(session, "zhang", "Other-Pass1", None)
