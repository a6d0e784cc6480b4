"""Full-text search over cases in Chinese, within what each person may see."""

from __future__ import annotations

from smartgov.cases import service
from smartgov.cases.queries import CaseFilter, find_cases
from smartgov.cases.schemas import ActionInput
from smartgov.cases.search import terms_of
from tests.cases.conftest import World
from tests.factories import report


def titles(world: World, who: str, q: str) -> set[str]:
    rows, _ = find_cases(world.session, world.p(who), CaseFilter(queue="all", q=q))
    return {c.description for c in rows}


def test_bigram_terms() -> None:
    assert terms_of("路灯不亮 SG-12") == ["路灯", "灯不", "不亮", "sg-12"]


def test_search_finds_phrases_not_scattered_characters(world: World) -> None:
    a = report(world, "stall", description="东门口有人占道卖菜")
    report(world, "stall", description="卖东西的人占了门口")
    assert titles(world, "chief", "占道卖菜") == {a.description}
    assert titles(world, "chief", a.case_no) == {a.description}
    assert titles(world, "chief", a.tracking_code.lower()) == {a.description}


def test_search_stays_within_the_department(world: World) -> None:
    cg = report(world, "stall", description="路口占道经营严重")  # auto-dispatched to 城管
    hw = report(world, "garbage", description="路口垃圾占道堆放")  # waits for verification
    assert titles(world, "handler_cg", "路口") == {cg.description}
    assert titles(world, "handler", "路口") == set()
    for name, who, extra in (("verify", "inspector", {}), ("file", "chief", {}),
                             ("dispatch", "dispatcher", {"department_code": "HW"})):
        service.act(world.session, hw.id, name, ActionInput(note="x", **extra), principal=world.p(who))
    assert titles(world, "handler", "路口") == {hw.description}  # re-indexed at dispatch
    assert titles(world, "inspector", "路口") == {cg.description, hw.description}  # their grid
    assert titles(world, "inspector2", "路口") == set()


def test_one_character_query_scans_the_text_within_visibility(world: World) -> None:
    a = report(world, "stall", description="西侧路灯不亮")
    report(world, "stall", description="东门口垃圾堆放")
    assert titles(world, "chief", "灯") == {a.description}
    assert titles(world, "inspector2", "灯") == set()  # not their grid
    assert titles(world, "chief", "%") == set()  # a wildcard is a character like any other
