"""Workbench pages newest first: the PostgreSQL strategy (newest window first, then the other
indexes) gives exactly the page and total a plain query gives, on either database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smartgov.cases import queries, service
from smartgov.cases.models import Case
from smartgov.cases.queries import CaseFilter, find_cases, newest_first_on_postgres, queue_clause
from tests.cases.conftest import World
from tests.conftest import TEST_DATABASE_URL
from tests.factories import report


@pytest.fixture()
def many(world: World) -> World:
    """Eleven reports: six of a directly dispatched class (to 城管), five waiting for verification."""
    for i in range(6):
        report(world, "stall", grid=i % 4, description=f"路口占道经营第{i}处")
    for i in range(5):
        report(world, "garbage", grid=i % 4, description=f"小区垃圾堆放第{i}处")
    return world


def plain(world: World, who: str, queue: str, offset: int, limit: int) -> tuple[list[int], int]:
    principal = world.p(who)
    where = [service.visibility_clause(principal), queue_clause(queue)]
    ids = world.session.scalars(
        select(Case.id).where(*where).order_by(Case.id.desc()).offset(offset).limit(limit)
    ).all()
    total = world.session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    return list(ids), total


@pytest.mark.parametrize("window", [2, 4, 1000])
@pytest.mark.parametrize(("who", "queue"), [("handler_cg", "handle"), ("handler_cg", "verify"),
                                            ("inspector", "verify"), ("chief", "all")])
def test_windowed_pages_equal_a_plain_query(many: World, monkeypatch, window: int, who: str,
                                            queue: str) -> None:
    monkeypatch.setattr(queries, "PAGE_WINDOW", window)
    monkeypatch.setattr(queries, "COUNT_WINDOW", window * 2)
    principal = many.p(who)
    conditions = [service.visibility_clause(principal), queue_clause(queue)]
    for offset, limit in ((0, 3), (3, 3), (0, 50)):
        rows, total = newest_first_on_postgres(many.session, conditions, None, offset, limit)
        assert ([c.id for c in rows], total) == plain(many, who, queue, offset, limit), (offset, limit)


def test_totals_are_capped_like_the_other_database(many: World, monkeypatch) -> None:
    monkeypatch.setattr(queries, "COUNT_CAP", 4)
    monkeypatch.setattr(queries, "PAGE_WINDOW", 2)
    monkeypatch.setattr(queries, "COUNT_WINDOW", 3)
    conditions = [service.visibility_clause(many.p("chief")), queue_clause("all")]
    _, total = newest_first_on_postgres(many.session, conditions, None, 0, 3)
    assert total == 5  # "4+" on the page


def test_windowed_search_finds_old_and_new_matches(many: World, monkeypatch) -> None:
    monkeypatch.setattr(queries, "PAGE_WINDOW", 2)
    monkeypatch.setattr(queries, "COUNT_WINDOW", 2)
    chief = many.p("chief")
    rows, total = find_cases(many.session, chief, CaseFilter(queue="all", q="占道经营", page_size=4))
    assert total == 6 and len(rows) == 4
    assert [c.id for c in rows] == sorted((c.id for c in rows), reverse=True)
    first = rows
    rows, _ = find_cases(many.session, many.p("chief"), CaseFilter(queue="all", q="占道经营", page=2,
                                                                       page_size=4))
    assert len(rows) == 2 and rows[0].id < first[-1].id
    rows, total = find_cases(many.session, many.p("handler"), CaseFilter(queue="all", q="占道经营"))
    assert (rows, total) == ([], 0)  # 环卫 sees none of 城管's cases


postgres_only = pytest.mark.skipif(not TEST_DATABASE_URL, reason="the full-text index lives on PostgreSQL")


@postgres_only
def test_sparse_search_takes_its_matches_from_the_index_and_checks_the_phrase(many: World,
                                                                             monkeypatch) -> None:
    """Beyond the newest window a search's few matches come from the index: the bigrams of
    垃圾堆放 scattered in a text (垃圾 … 圾堆 … 堆放) are not the phrase."""
    report(many, "garbage", grid=0, description="清理垃圾与圾堆和堆放物")  # every bigram, no phrase
    for _ in range(3):
        report(many, "stall", grid=1, description="路口占道经营又出现")  # newer, not matching
    monkeypatch.setattr(queries, "PAGE_WINDOW", 2)
    monkeypatch.setattr(queries, "COUNT_WINDOW", 2)
    rows, total = find_cases(many.session, many.p("chief"), CaseFilter(queue="all", q="垃圾堆放"))
    expected = many.session.scalars(select(Case.id).where(Case.description.contains("垃圾堆放"))
                                    .order_by(Case.id.desc())).all()
    assert len(expected) == 5
    assert ([c.id for c in rows], total) == (list(expected), 5)


@postgres_only
def test_a_part_of_the_index_matches_proves_the_capped_total_and_never_stands_for_all(
        many: World, monkeypatch) -> None:
    monkeypatch.setattr(queries, "PAGE_WINDOW", 1)
    monkeypatch.setattr(queries, "COUNT_WINDOW", 1)
    monkeypatch.setattr(queries, "SPARSE_SEARCH", 3)  # the index gives 3 of the 5 matches
    chief = many.p("chief")
    rows, total = find_cases(many.session, chief, CaseFilter(queue="all", q="垃圾", page_size=2))
    assert (len(rows), total) == (2, 5)  # counted whole: 3 found do not prove "more than 4"
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    rows, total = find_cases(many.session, chief, CaseFilter(queue="all", q="垃圾", page_size=2))
    assert (len(rows), total) == (2, 3)  # "2+": proven by the part
    monkeypatch.setattr(queries, "COUNT_CAP", 1000)
    rows, total = find_cases(many.session, chief, CaseFilter(queue="all", q="垃圾", page_size=10))
    assert (len(rows), total) == (5, 5)  # the page never stops at the part
