"""Rules of cases.service used by the staff pages: the proposed department, 并单 by case number."""

from __future__ import annotations

import pytest

from smartgov.cases import service
from smartgov.cases.models import Case, DispatchRule
from smartgov.cases.routing import DispatchSuggestion
from smartgov.cases.schemas import ActionInput
from smartgov.cases.workflow import Status
from smartgov.errors import NotFound, ValidationFailed
from tests.cases.conftest import World
from tests.factories import hotline, report


def filed(world: World, case: Case) -> Case:
    """The case moved to 待派遣 (so the dispatch form is shown)."""
    service.act(world.session, case.id, "file", ActionInput(version=case.version), principal=world.p("chief"))
    return case


def suggestion(world: World, code: str) -> DispatchSuggestion:
    dept = world.depts[code]
    return DispatchSuggestion("label", 0.5, dept.code, dept.name, dept.id)


def test_proposal_takes_the_rule_of_the_case_area_first(world: World) -> None:
    case = filed(world, hotline(world, "垃圾没人收", "garbage", grid=0))
    world.session.add(DispatchRule(category_id=world.cats["garbage"].id, department_id=world.depts["SZ"].id,
                                   area_id=world.grids[0].id, priority=1))
    world.session.commit()
    proposed = service.proposed_department(world.session, case, [suggestion(world, "ZX")])
    assert proposed is not None and proposed.code == "SZ"


def test_a_rule_of_another_area_leaves_the_class_default(world: World) -> None:
    case = filed(world, hotline(world, "垃圾没人收", "garbage", grid=0))
    world.session.add(DispatchRule(category_id=world.cats["garbage"].id, department_id=world.depts["SZ"].id,
                                   area_id=world.grids[3].id, priority=1))
    world.session.commit()
    proposed = service.proposed_department(world.session, case, [suggestion(world, "ZX")])
    assert proposed is not None and proposed.code == "HW"  # 暴露垃圾's default department


def test_without_a_class_the_top_suggestion_is_proposed(world: World) -> None:
    case = hotline(world, "门口有人摆摊")
    proposed = service.proposed_department(world.session, case, [suggestion(world, "SZ"),
                                                                 suggestion(world, "CG")])
    assert proposed is not None and proposed.code == "SZ"


def test_nothing_to_go_on_proposes_nothing(world: World) -> None:
    case = hotline(world, "门口有人摆摊")
    assert service.proposed_department(world.session, case, []) is None
    unknown = DispatchSuggestion("未知", 0.9, None, None, None)
    assert service.proposed_department(world.session, case, [unknown]) is None


def merge(world: World, case: Case, **fields: object) -> Case:
    return service.act(world.session, case.id, "merge", ActionInput(version=case.version, **fields),
                       principal=world.p("chief"))


def test_merge_by_case_number(world: World) -> None:
    master = hotline(world, "小区门口垃圾堆了三天", "garbage", grid=0)
    dup = hotline(world, "门口垃圾没人清", "garbage", grid=0)
    merge(world, dup, master_case_no=f" {master.case_no} ")
    world.session.refresh(dup)
    assert dup.status == Status.MERGED and dup.merged_into_id == master.id


def test_merge_by_an_unknown_number_is_a_clear_422(world: World) -> None:
    dup = hotline(world, "门口垃圾没人清", "garbage", grid=0)
    with pytest.raises(ValidationFailed) as err:
        merge(world, dup, master_case_no="2099000000")
    assert err.value.status_code == 422 and "2099000000" in err.value.message
    world.session.rollback()
    assert world.session.get(Case, dup.id).status == Status.PENDING_FILE


def test_merge_into_itself_is_refused(world: World) -> None:
    dup = hotline(world, "门口垃圾没人清", "garbage", grid=0)
    with pytest.raises(ValidationFailed) as err:
        merge(world, dup, master_case_no=dup.case_no)
    assert "自身" in err.value.message


def test_merge_number_of_a_case_not_visible_is_not_found(world: World) -> None:
    """The number is looked up only among the cases the person may see (the inspector of grids
    0 and 1 does not see a case in grid 2)."""
    master = report(world, "garbage", grid=2)
    dup = hotline(world, "门口垃圾没人清", "garbage", grid=0)
    principal = world.p("inspector")
    data = ActionInput(version=dup.version, master_case_no=master.case_no)
    with pytest.raises((ValidationFailed, NotFound)):
        service._merge_master(world.session, dup, data, principal)
