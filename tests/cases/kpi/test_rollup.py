"""绩效日汇总: stored daily figures add up to what the cases say, and follow the cases as they change."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov.cases.kpi import service as kpi
from smartgov.cases.kpi.models import KpiDailyCount, KpiRollupDay
from smartgov.cases.kpi.service import Scope
from smartgov.jobs import registry
from smartgov.workflow.models import TimelineEvent
from tests.cases.conftest import World
from tests.cases.kpi.test_service import AS_OF, CFG, MARCH, PERIOD, TZ, add_case, build_march, h, token


def counts_of(world: World, subject: str, period: kpi.Period = MARCH, *, rollup: bool,
              scope: Scope | None = None) -> dict[int | None, dict[str, int]]:
    rep = kpi.build_report(world.session, subject, period, scope, config=CFG, as_of=AS_OF, rollup=rollup)
    rows = {r.id: r.counts for r in rep.rows}
    if rep.total is not None:
        rows[None] = rep.total.counts
    return rows


def test_stored_days_add_up_to_the_figures_of_the_cases_for_every_subject(world: World) -> None:
    build_march(world)
    assert kpi.refresh_rollup(world.session, as_of=AS_OF) == (date(2024, 4, 10) - date(2024, 2, 20)).days
    for subject in kpi.SUBJECTS:
        rolled = kpi.build_report(world.session, subject, MARCH, config=CFG, as_of=AS_OF)
        assert rolled.rolled_at == AS_OF, subject
        assert counts_of(world, subject, rollup=True) == counts_of(world, subject, rollup=False), subject
    # The figures worked out by hand in test_service, now read from the stored days.
    hw = next(r for r in kpi.build_report(world.session, "department", MARCH, config=CFG).rows
              if r.name == "区环卫所")
    assert hw.counts == {"filed": 4, "due": 4, "closed": 2, "on_time": 1, "parked": 1, "rework": 1}
    street = kpi.build_report(world.session, "street", MARCH, config=CFG).rows[0]
    assert street.counts == {"reported": 8, "due": 5, "closed": 3, "on_time": 2, "parked": 1, "rework": 1}
    # A department's own rows and a single day from the store as well.
    cg = world.depts["CG"].id
    assert counts_of(world, "hotline", rollup=True, scope=Scope(department_id=cg)) == {
        cg: {"orders": 1, "responded": 1, "resolved": 1, "rated": 0, "satisfied": 0}}
    day = kpi.day_period(date(2024, 3, 5))
    assert counts_of(world, "grid", day, rollup=True) == counts_of(world, "grid", day, rollup=False)


def test_a_day_ends_at_local_midnight(world: World) -> None:
    build_march(world)
    for name, at in (("last", datetime(2024, 3, 31, 23, 59, 59, tzinfo=TZ)),
                     ("first", datetime(2024, 4, 1, 0, 0, tzinfo=TZ))):
        add_case(world, name, status="closed", source="portal", grid=2, reported=at)
    world.session.commit()
    kpi.refresh_rollup(world.session, as_of=AS_OF)
    grid2 = world.grids[2].id
    # grid 2 held c8 only: March gains the case of 23:59:59, April has the one of midnight.
    assert counts_of(world, "grid", rollup=True)[grid2]["reported"] == 2
    april = kpi.parse_period("2024-04-01", "2024-04-09")
    assert counts_of(world, "grid", april, rollup=True)[grid2]["reported"] == 1
    assert counts_of(world, "grid", april, rollup=True) == counts_of(world, "grid", april, rollup=False)


def test_a_report_reads_the_stored_days(world: World) -> None:
    build_march(world)
    kpi.refresh_rollup(world.session, as_of=AS_OF)
    hw = world.depts["HW"].id
    row = world.session.get(KpiDailyCount, (date(2024, 3, 5), "department", hw))
    assert row is not None and row.counts["due"] == 4
    row.counts = {**row.counts, "due": 40, "filed": 40}
    world.session.flush()
    assert counts_of(world, "department", rollup=True)[hw]["due"] == 40
    assert counts_of(world, "department", rollup=False)[hw]["due"] == 4


def test_days_not_stored_and_odd_periods_are_computed_from_the_cases(world: World) -> None:
    build_march(world)
    kpi.refresh_rollup(world.session, as_of=AS_OF)
    # Today (as of the run) is never stored: its cases are still coming in.
    stored = set(world.session.scalars(select(KpiRollupDay.day)))
    assert date(2024, 4, 9) in stored and date(2024, 4, 10) not in stored
    assert date(2024, 2, 19) not in stored  # before the first case
    # March 5th dropped from the store: the report computes that day and adds the others.
    world.session.delete(world.session.get(KpiRollupDay, date(2024, 3, 5)))
    world.session.flush()
    assert counts_of(world, "street", rollup=True) == counts_of(world, "street", rollup=False)
    # A period that does not start at midnight, and an area scope, are computed directly.
    noon = kpi.Period(h(-1), MARCH.end)
    assert kpi.build_report(world.session, "street", noon, config=CFG, as_of=AS_OF).rolled_at is None
    areas = Scope(area_ids=frozenset({world.grids[1].id}))
    assert kpi.build_report(world.session, "street", MARCH, areas, config=CFG, as_of=AS_OF).rolled_at is None


def test_a_changed_case_is_stored_again_at_the_next_run(world: World) -> None:
    build_march(world)
    kpi.refresh_rollup(world.session, as_of=AS_OF)
    c3 = world.session.scalar(select(kpi.Case).where(kpi.Case.title == "c3"))
    assert c3 is not None
    # What the service does when the case is closed: the status and a timeline row.
    c3.status = "closed"
    world.session.add(TimelineEvent(subject_type="case", subject_id=c3.id, at=AS_OF, actor_name="系统",
                                    action="close", to_state="closed"))
    world.session.flush()
    later = AS_OF + timedelta(minutes=10)
    assert kpi.days_to_refresh(world.session, later)[0] == {date(2024, 3, 5)}
    before = counts_of(world, "department", rollup=True)[world.depts["HW"].id]["closed"]
    assert before == 2  # still the figures of the last run
    assert kpi.refresh_rollup(world.session, as_of=later) == 1
    assert counts_of(world, "department", rollup=True)[world.depts["HW"].id]["closed"] == 3
    assert counts_of(world, "department", rollup=True) == counts_of(world, "department", rollup=False)
    # Nothing changed since: the run after computes nothing … but for the run before last's rows.
    kpi.refresh_rollup(world.session, as_of=later + timedelta(minutes=10))
    assert kpi.refresh_rollup(world.session, as_of=later + timedelta(minutes=20)) == 0


def test_a_clock_falling_due_marks_its_day(world: World) -> None:
    build_march(world)
    due = AS_OF + timedelta(hours=1)
    add_case(world, "late", status="handling", source="hotline", grid=0, dept="HW",
             reported=datetime(2024, 3, 20, 10, tzinfo=TZ),
             dispatched_at=datetime(2024, 3, 20, 11, tzinfo=TZ),
             clocks=(("handle", 0, None, None, (due - h(0)).total_seconds() / 3600, "HW"),))
    world.session.commit()
    kpi.refresh_rollup(world.session, as_of=AS_OF)
    kpi.refresh_rollup(world.session, as_of=AS_OF + timedelta(minutes=1))  # past the new case's rows
    assert kpi.days_to_refresh(world.session, due)[0] == set()  # due at, not before: not yet late
    assert kpi.days_to_refresh(world.session, due + timedelta(seconds=1))[0] == {date(2024, 3, 20)}


def test_the_page_says_how_fresh_the_figures_are(client: TestClient, world: World) -> None:
    build_march(world)
    chief = token(client, world, "chief")
    page = client.get(f"/kpi?subject=department&{PERIOD}", headers=chief)
    assert "数据为实时统计" in page.text
    kpi.refresh_rollup(world.session, as_of=AS_OF)
    world.session.commit()
    page = client.get(f"/kpi?subject=department&{PERIOD}", headers=chief)
    assert "往日数据汇总于 2024-04-10 09:00（每 10 分钟更新），当日数据为实时统计" in page.text
    assert "45.00" in page.text  # 区环卫所's score, from the stored days
    api = client.get(f"/api/v1/kpi/department?{PERIOD}", headers=chief).json()
    assert api["rolled_at"] == AS_OF.isoformat()


def test_the_roll_up_runs_every_ten_minutes() -> None:
    import smartgov.cases.kpi.jobs  # noqa: F401

    spec = registry.get("cases.kpi_rollup")
    assert spec is not None and spec.cron == "*/10 * * * *" and spec.label == "绩效日汇总"
