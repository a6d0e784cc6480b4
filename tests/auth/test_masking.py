from __future__ import annotations

import json

import pytest

from smartgov.auth.masking import (
    mask,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    reveal_personal,
    show_personal,
)
from smartgov.auth.principal import ANONYMOUS, Principal
from tests.auth.conftest import audit_rows
from tests.factories import UserFactory


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("010-12345678").endswith("5678")
    assert "1234" not in mask_phone("010-12345678")[:-4]


def test_mask_id_number() -> None:
    assert mask_id_number("110101199003071234") == "110***********1234"
    assert "19900307" not in mask_id_number("110101199003071234")


def test_mask_name() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"


def test_mask_address() -> None:
    assert mask_address("北京市朝阳区建国路88号3单元502") == "北京市朝阳区建国路****"
    assert mask_address("幸福小区3栋2单元") == "幸福小区****"
    masked = mask_address("某处12号")
    assert "12" not in masked and masked.endswith("****")


def test_mask_keeps_empty_values_and_refuses_unknown_kinds() -> None:
    assert mask(None, "phone") is None
    assert mask("", "name") == ""
    with pytest.raises(ValueError):
        mask("x", "email")


def test_show_personal_depends_on_role() -> None:
    operator = Principal(roles=frozenset({"hotline_operator"}))
    leader = Principal(roles=frozenset({"leader"}))
    assert show_personal(operator, "13812345678", "phone") == "13812345678"
    assert show_personal(leader, "13812345678", "phone") == "138****5678"
    assert show_personal(ANONYMOUS, "张三", "name") == "张*"
    assert show_personal(None, "110101199003071234", "id_number") == "110***********1234"


def test_reveal_personal_audits_unmasked_access(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["dispatcher"])
    principal = Principal(user=user, roles=frozenset({"dispatcher"}), client_addr="10.0.0.9")
    assert reveal_personal(session, principal, {"name": "张三", "phone": "13812345678"},
                           object_type="case", object_id=7) == {"name": "张三", "phone": "13812345678"}
    session.commit()
    rows = audit_rows(session, "personal_data_viewed")
    assert len(rows) == 1  # one line for the view, not one per field
    assert (rows[0].actor_name, rows[0].object_id, rows[0].client_addr) == (
        user.username, "7", "10.0.0.9")
    assert json.loads(rows[0].detail) == {"kinds": ["name", "phone"]}
    other = UserFactory(roles=["leader"])
    masked = reveal_personal(session, Principal(user=other, roles=frozenset({"leader"})),
                             {"phone": "13812345678"}, object_type="case", object_id=7)
    nothing = reveal_personal(session, principal, {"name": None, "phone": ""},
                              object_type="case", object_id=8)
    session.commit()
    assert masked == {"phone": "138****5678"} and nothing == {"name": None, "phone": ""}
    assert len(audit_rows(session, "personal_data_viewed")) == 1


# Written by hand: which roles see a reporter's phone in full ("full"), masked with the audited
# reveal action ("reveal"), or masked only ("masked").
ACCESS = {
    "hotline_operator": "full", "duty_chief": "full", "dispatcher": "full",
    "handler": "reveal", "inspector": "reveal",
    "supervisor": "masked", "leader": "masked", "window_clerk": "masked", "approver": "masked",
    "system_admin": "masked", "security_admin": "masked", "audit_admin": "masked",
    "citizen": "masked", "enterprise": "masked", "opinion_officer": "masked",
}


@pytest.mark.parametrize(("role", "access"), sorted(ACCESS.items()))
def test_one_rule_for_personal_data_by_role(role: str, access: str) -> None:
    from smartgov.auth.masking import personal_view
    from smartgov.auth.roles import Role

    assert set(ACCESS) == {r.value for r in Role}
    principal = Principal(roles=frozenset({role}))
    values = {"phone": "13812345678", "name": "张三"}
    shown = personal_view(principal, values)
    assert shown == (values if access == "full" else {"phone": "138****5678", "name": "张*"})
    assert personal_view(principal, values, listed=True) == {"phone": "138****5678", "name": "张*"}
    assert principal.may_reveal_personal_data is (access in ("full", "reveal"))


@pytest.fixture()
def thing_with_phone():  # type: ignore[no-untyped-def]
    from smartgov.auth import masking
    from smartgov.errors import NotFound

    def loader(session, principal, object_id):  # type: ignore[no-untyped-def]
        if object_id != 5:
            raise NotFound("没有这个对象")
        return {"phone": "13812345678", "name": "张三"}

    masking.register_personal_data("test_thing", loader)
    yield
    masking._LOADERS.pop("test_thing", None)


def test_reveal_action_is_audited_and_refused_to_other_roles(client, session, login,
                                                              thing_with_phone) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from smartgov.auth.models import AuditEntry

    UserFactory(roles=["handler"], username="handler1")
    UserFactory(roles=["leader"], username="leader1")
    session.commit()
    token = login("handler1")
    shown = client.post("/api/v1/personal-data/test_thing/5/reveal", headers={"X-CSRF-Token": token})
    assert shown.status_code == 200 and shown.json() == {"phone": "13812345678", "name": "张三"}
    fragment = client.post("/personal-data/test_thing/5/reveal", headers={"X-CSRF-Token": token})
    assert fragment.status_code == 200 and "手机号：13812345678" in fragment.text
    assert client.post("/api/v1/personal-data/test_thing/6/reveal",
                       headers={"X-CSRF-Token": token}).status_code == 404
    token = login("leader1")
    refused = client.post("/api/v1/personal-data/test_thing/5/reveal", headers={"X-CSRF-Token": token})
    assert refused.status_code == 403
    session.expire_all()
    rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data_revealed")
                           .order_by(AuditEntry.id)).all()
    assert [(r.actor_name, r.result, r.object_id) for r in rows] == [
        ("handler1", "success", "5"), ("handler1", "success", "5"), ("leader1", "denied", "5")]


def test_user_list_masks_phones_for_every_administrator(client, session, login) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=["system_admin"], username="sys")
    UserFactory(roles=["security_admin"], username="sec")
    UserFactory(roles=["handler"], username="someone", phone="13812345678")
    session.commit()
    for admin in ("sys", "sec"):
        login(admin)
        page = client.get("/admin/users").text
        assert "138****5678" in page and "13812345678" not in page
