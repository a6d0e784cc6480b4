"""三权分立: no administrator creates, resets or takes over another administrator's account with a
password it knows; the account's owner sets the password with a code sent to its own phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smartgov.auth import service
from smartgov.auth.models import User
from smartgov.auth.passwords import hash_password
from smartgov.errors import Forbidden, ValidationFailed
from smartgov.inbox.models import OutboxMessage
from tests.auth.conftest import audit_rows, csrf_from, sms_code
from tests.factories import PASSWORD, UserFactory

SYS, SEC, AUD = "system_admin", "security_admin", "audit_admin"
OWNER_PHONE = "13911112222"
KNOWN = "Known-Passw0rd!"  # a password the acting administrator chose and knows
OWNER_NEW = "Owner-Chosen9#"

# Written by hand: "owner" = the account ends up with no password the actor knows, and a code
# goes by SMS to the owner's phone; "forbidden" = 403 and nothing changes.
EXPECTED = {
    (SYS, SYS, "create"): "owner", (SYS, SEC, "create"): "owner", (SYS, AUD, "create"): "owner",
    (SEC, SYS, "create"): "forbidden", (SEC, SEC, "create"): "forbidden",
    (SEC, AUD, "create"): "forbidden",
    (AUD, SYS, "create"): "forbidden", (AUD, SEC, "create"): "forbidden",
    (AUD, AUD, "create"): "forbidden",
    (SYS, SYS, "reset"): "forbidden", (SYS, SEC, "reset"): "forbidden",
    (SYS, AUD, "reset"): "forbidden",
    (SEC, SYS, "reset"): "owner", (SEC, SEC, "reset"): "owner", (SEC, AUD, "reset"): "owner",
    (AUD, SYS, "reset"): "forbidden", (AUD, SEC, "reset"): "forbidden",
    (AUD, AUD, "reset"): "forbidden",
    (SYS, SYS, "role_change"): "owner", (SYS, SEC, "role_change"): "owner",
    (SYS, AUD, "role_change"): "owner",
    (SEC, SYS, "role_change"): "forbidden", (SEC, SEC, "role_change"): "forbidden",
    (SEC, AUD, "role_change"): "forbidden",
    (AUD, SYS, "role_change"): "forbidden", (AUD, SEC, "role_change"): "forbidden",
    (AUD, AUD, "role_change"): "forbidden",
}


def _sms_count(session, phone: str) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return len(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone)).all())


def _do(session, op: str, actor, target_role: str) -> str:  # type: ignore[no-untyped-def]
    """Do ``op`` as ``actor`` on an account of ``target_role``; returns the target's user name."""
    if op == "create":
        service.create_user(session, username="target", password=KNOWN, display_name="目标",
                            roles=[target_role], phone=OWNER_PHONE, actor=actor)
    elif op == "reset":
        target = UserFactory(roles=[target_role], username="target", phone=OWNER_PHONE)
        session.commit()
        service.reset_password(session, target, KNOWN, actor=actor)
    else:  # role_change: a handler account whose password the actor knows becomes an administrator
        target = UserFactory(roles=["handler"], username="target", phone=OWNER_PHONE)
        target.password_hash = hash_password(KNOWN)
        session.commit()
        service.set_roles(session, target, [target_role], actor=actor)
    return "target"


@pytest.mark.parametrize(("actor_role", "target_role", "op"), sorted(EXPECTED))
def test_no_administrator_takes_over_another(session, actor_role, target_role, op) -> None:  # type: ignore[no-untyped-def]
    actor = service.principal_for(UserFactory(roles=[actor_role], username="actor"), "10.9.9.9")
    session.commit()
    expected = EXPECTED[(actor_role, target_role, op)]
    if expected == "forbidden":
        with pytest.raises(Forbidden):
            _do(session, op, actor, target_role)
        session.rollback()
        assert _sms_count(session, OWNER_PHONE) == 0
        target = service.get_user_by_username(session, "target")
        if op == "create":
            assert target is None
        elif op == "reset":
            assert service.authenticate(session, "target", PASSWORD, None).id == target.id
        else:
            assert target.role_names == {"handler"} and target.is_active
        return
    username = _do(session, op, actor, target_role)
    session.commit()
    target = service.get_user_by_username(session, username)
    assert target is not None and target_role in target.role_names
    # The password the actor knows opens nothing.
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, username, KNOWN, None)
    service.unlock_user(session, target)  # the failed try above is not the point here
    session.commit()
    # The owner gets the code on its own phone and sets its own password.
    code = sms_code(session, OWNER_PHONE)
    service.activate_account(session, username, code, OWNER_NEW)
    session.commit()
    assert service.authenticate(session, username, OWNER_NEW, None).id == target.id
    assert audit_rows(session, "activation_sent")[-1].actor_name == "actor"
    assert audit_rows(session, "account_activated")[-1].result == "success"


def test_an_administrator_account_needs_its_owners_phone(session) -> None:  # type: ignore[no-untyped-def]
    admin = service.principal_for(UserFactory(roles=[SYS]))
    with pytest.raises(ValidationFailed) as err:
        service.create_user(session, username="target", password=None, display_name="目标",
                            roles=[AUD], actor=admin)
    assert err.value.code == "owner_phone_required"


def test_the_command_line_and_ordinary_accounts_keep_their_passwords(session) -> None:  # type: ignore[no-untyped-def]
    service.create_user(session, username="boot.audit", password=KNOWN, display_name="审计",
                        roles=[AUD])  # actor=None: the deployment's own command line
    admin = service.principal_for(UserFactory(roles=[SYS]))
    service.create_user(session, username="clerk1", password=KNOWN, display_name="窗口",
                        roles=["window_clerk"], actor=admin)
    session.commit()
    assert service.authenticate(session, "boot.audit", KNOWN, None).username == "boot.audit"
    assert service.authenticate(session, "clerk1", KNOWN, None).username == "clerk1"
    assert _sms_count(session, OWNER_PHONE) == 0


def test_making_an_account_an_administrator_ends_its_sessions_and_tokens(session) -> None:  # type: ignore[no-untyped-def]
    target = UserFactory(roles=["handler"], username="target", phone=OWNER_PHONE)
    web, raw = service.start_web_session(session, target, None)
    issued = service.issue_access_token(session, target, None)
    session.commit()
    service.set_roles(session, target, [AUD], actor=service.principal_for(UserFactory(roles=[SYS])))
    session.commit()
    assert service.touch_web_session(session, raw, None) is None
    assert service.user_for_api_token(session, issued.raw) is None
    assert service.awaits_activation(target) and not target.is_active


def test_activation_code_is_bound_to_its_account_and_limited(session) -> None:  # type: ignore[no-untyped-def]
    admin = service.principal_for(UserFactory(roles=[SYS]))
    service.create_user(session, username="target", password=None, display_name="目标",
                        roles=[AUD], phone=OWNER_PHONE, actor=admin)
    session.commit()
    code = sms_code(session, OWNER_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationFailed) as err:
        service.activate_account(session, "target", wrong, OWNER_NEW)
    assert err.value.code == "wrong_code"
    with pytest.raises(ValidationFailed):
        service.activate_account(session, "actor-does-not-exist", code, OWNER_NEW)
    service.activate_account(session, "target", code, OWNER_NEW)
    session.commit()
    with pytest.raises(ValidationFailed):  # used once
        service.activate_account(session, "target", code, "Another-Pass9#")


def test_users_page_creates_an_administrator_for_its_owner(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=[SYS], username="sys")
    session.commit()
    token = login("sys")
    response = client.post("/admin/users", data={
        "username": "auditor2", "display_name": "审计员", "password": KNOWN, "roles": [AUD],
        "is_staff": "1", "phone": OWNER_PHONE, "csrf_token": token})
    assert response.status_code == 200 and "密码由本人设置" in response.text
    assert "待本人激活" in response.text
    user = session.scalar(select(User).where(User.username == "auditor2"))
    assert user is not None and not user.is_active
    client.post("/logout", data={"csrf_token": token})
    page = client.get("/activate")
    done = client.post("/activate", data={
        "username": "auditor2", "code": sms_code(session, OWNER_PHONE), "password": OWNER_NEW,
        "password2": OWNER_NEW, "csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "密码已设置" in done.text
    assert service.authenticate(session, "auditor2", OWNER_NEW, None).id == user.id


def test_security_admin_sends_a_reset_code_instead_of_a_password(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=[SEC], username="sec")
    auditor = UserFactory(roles=[AUD], username="auditor", phone=OWNER_PHONE)
    session.commit()
    token = login("sec")
    response = client.post(f"/admin/users/{auditor.id}/password",
                           data={"new_password": KNOWN, "csrf_token": token})
    assert response.status_code == 200 and "验证码已以短信发送至本人手机" in response.text
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, "auditor", KNOWN, None)
    assert service.authenticate(session, "auditor", PASSWORD, None).id == auditor.id
