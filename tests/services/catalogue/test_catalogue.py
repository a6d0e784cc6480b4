"""The catalogue: promise ≤ statute, versions that never change once published."""

from __future__ import annotations

import pytest

from smartgov.errors import AppError
from smartgov.services.catalogue import service as catalogue
from smartgov.services.schemas import ItemIn
from tests.services.conftest import World


def item_in(**changes) -> ItemIn:  # type: ignore[no-untyped-def]
    values = {
        "base_code": "000101",
        "impl_code": "IMPL-1",
        "name": "餐饮服务许可",
        "item_type": "行政许可",
        "department_code": "shichang",
        "statutory_days": 20,
        "promised_days": 5,
        "materials": [{"code": "M1", "name": "申请书"}],
        "form_fields": [{"name": "shop_name", "label": "店名", "required": True}],
    }
    return ItemIn(**(values | changes))


@pytest.mark.parametrize(("promised", "ok"), [(19, True), (20, True), (21, False)])
def test_the_promise_may_not_exceed_the_statute(world: World, promised: int, ok: bool) -> None:
    if ok:
        assert catalogue.create_draft(
            world.session, item_in(promised_days=promised), principal=world.p("lead")
        )
    else:
        with pytest.raises(AppError, match="不得超过法定办结时限"):
            catalogue.create_draft(world.session, item_in(promised_days=promised), principal=world.p("lead"))


def test_a_published_version_never_changes_and_a_new_one_replaces_it(world: World) -> None:
    first = catalogue.create_draft(world.session, item_in(), principal=world.p("lead"))
    catalogue.publish(world.session, first.id, principal=world.p("lead"))
    with pytest.raises(AppError, match="已发布"):
        catalogue.update_draft(world.session, first.id, item_in(name="改名"), principal=world.p("lead"))
    second = catalogue.new_version(world.session, first.id, principal=world.p("lead"))
    catalogue.update_draft(
        world.session, second.id, item_in(name="餐饮服务许可（新）"), principal=world.p("lead")
    )
    catalogue.publish(world.session, second.id, principal=world.p("lead"))
    assert (first.status, second.status, second.version) == ("retired", "published", 2)
    assert first.name == "餐饮服务许可"
    assert [i.id for i in catalogue.published(world.session, q="餐饮")] == [second.id]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"department_code": "nope"}, "unknown_department"),
        ({"joint_departments": [{"code": "shichang", "days": 3}]}, "lead_is_joint"),
        ({"joint_departments": [{"code": "tax", "days": 3}, {"code": "tax", "days": 2}]}, "duplicate_joint"),
        ({"materials": [{"code": "M1", "name": "a"}, {"code": "M1", "name": "b"}]}, "duplicate_material"),
        (
            {"materials": [{"code": "L", "name": "执照", "source": "certificate"}]},
            "certificate_type_required",
        ),
        ({"charged": True, "fee_cents": 0}, "fee_required"),
        ({"item_type": "乱写"}, "bad_item_type"),
    ],
)
def test_bad_items_are_refused_with_a_reason(world: World, changes: dict, code: str) -> None:
    with pytest.raises(AppError) as caught:
        catalogue.create_draft(world.session, item_in(**changes), principal=world.p("lead"))
    assert caught.value.code == code
