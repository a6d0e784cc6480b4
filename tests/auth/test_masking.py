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
