"""绩效评价: the formulas worked out by hand, then the grouped queries, pages, exports and roles."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from smartgov.auth.models import AuditEntry
from smartgov.cases.kpi import service as kpi
from smartgov.cases.kpi.service import KpiConfig, Scope
from smartgov.cases.models import Case
from smartgov.errors import ValidationFailed
from tests.auth.conftest import web_login
from tests.cases.conftest import World
from tests.factories import PASSWORD, CaseFactory, UserFactory

CFG = KpiConfig()
TZ = ZoneInfo("Asia/Shanghai")


# --- pure formulas -----------------------------------------------------------------------------

def test_rate_is_none_without_denominator() -> None:
    assert kpi.rate(3, 4) == 0.75
    assert kpi.rate(0, 0) is None
    assert kpi.inverse(None) is None and kpi.inverse(0.25) == 75.0
    assert kpi.inverse(1.5) == 0.0  # never below zero


@pytest.mark.parametrize(("count", "score"), [
    (5000, 100), (2001, 100), (2000, 90), (1201, 90), (1200, 75), (501, 75), (500, 60),
    (301, 60), (300, 40), (101, 40), (100, 0), (0, 0)])
def test_volume_bands(count: int, score: float) -> None:
    assert kpi.band_score(count) == score


@pytest.mark.parametrize(("score", "grade"), [
    (100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.99, "C"), (60, "C"), (59.99, "D"),
    (40, "D"), (39.99, "E"), (0, "E"), (None, None)])
def test_grades(score: float | None, grade: str | None) -> None:
    assert kpi.grade_of(score) == grade


def test_weighted_score_scales_up_the_weights_of_parts_with_data() -> None:
    # (80 × 40 + 60 × 40) / (40 + 40) = 5600 / 80 = 70; the part without data is left out.
    assert kpi.weighted_score({"a": 80, "b": None, "c": 60}, {"a": 40, "b": 20, "c": 40}) == 70
    # all parts: (80 × 40 + 50 × 20 + 60 × 40) / 100 = (3200 + 1000 + 2400) / 100 = 66
    assert kpi.weighted_score({"a": 80, "b": 50, "c": 60}, {"a": 40, "b": 20, "c": 40}) == 66
    assert kpi.weighted_score({"a": None}, {"a": 100}) is None


def test_department_formula() -> None:
    # 立案数 10 → band 0; 结案率 8/10 = 80 %; 按期处置率 6/10 = 60 %; 返工率 1/10 → 90.
    # 0 × 10 % + 80 × 30 % + 60 × 30 % + 90 × 30 % = 0 + 24 + 18 + 27 = 69 → C
    counts = {"filed": 10, "due": 10, "closed": 8, "on_time": 6, "parked": 2, "rework": 1}
    row = kpi.evaluate("department", counts, CFG)
    assert row.rates == {"close_rate": 0.8, "on_time_rate": 0.6, "rework_rate": 0.1}
    assert (row.score, row.grade) == (69, "C")
    # Parked cases out of the 按期 denominator: 6 / (10 − 2) = 75 % → 24 + 22.5 + 27 = 73.5 → C
    parked_out = kpi.evaluate("department", counts, KpiConfig(exclude_parked=True))
    assert parked_out.rates["on_time_rate"] == 0.75 and parked_out.score == 73.5
    # 600 cases → band 75: 7.5 + 0.9×30 + 0.8×30 + 0.95×30 = 7.5 + 27 + 24 + 28.5 = 87 → B
    big = {"filed": 600, "due": 600, "closed": 540, "on_time": 480, "parked": 0, "rework": 30}
    assert (kpi.evaluate("department", big, CFG).score,
            kpi.evaluate("department", big, CFG).grade) == (87, "B")


def test_inspector_formula() -> None:
    # 有效上报率 9/10 → 90 × 40 % = 36; 漏报率 4/20 = 20 % → 80 × 20 % = 16;
    # 按时核实率 9/10 → 18; 按时核查率 4/5 → 16. 36 + 16 + 18 + 16 = 86 → B
    row = kpi.evaluate("inspector", {"reports": 12, "decided": 10, "valid": 9, "grid_filed": 20,
                                     "missed": 4, "verify_due": 10, "verify_on_time": 9,
                                     "recheck_due": 5, "recheck_on_time": 4}, CFG)
    assert row.rates["missed_rate"] == 0.2
    assert (row.score, row.grade) == (86, "B")


def test_operator_formula() -> None:
    # 受理数 1300 → 90 × 25 % = 22.5; 核实按时派发率 45/50 → 90 × 40 % = 36;
    # 核查按时派发率 7/10 → 70 × 35 % = 24.5. Total 83 → B
    row = kpi.evaluate("operator", {"accepted": 1300, "verify_due": 50, "verify_on_time": 45,
                                    "callback_due": 10, "callback_on_time": 7}, CFG)
    assert (row.score, row.grade) == (83, "B")


def test_duty_chief_formula() -> None:
    # 按时立案率 19/20 → 95 × 25 % = 23.75; 准确立案率 18/20 → 90 × 40 % = 36;
    # 按时结案率 8/10 → 80 × 35 % = 28. Total 87.75 → B
    row = kpi.evaluate("duty_chief", {"file_due": 20, "file_on_time": 19, "filed": 20,
                                      "accurate": 18, "close_due": 10, "close_on_time": 8}, CFG)
    assert (row.score, row.grade) == (87.75, "B")


def test_dispatcher_formula() -> None:
    # 派遣数 2500 → 100 × 20 % = 20; 按时派遣率 2250/2500 = 90 % → 36;
    # 准确派遣率 (2500 − 125)/2500 = 95 % → 38. Total 94 → A
    row = kpi.evaluate("dispatcher", {"dispatched": 2500, "dispatch_on_time": 2250,
                                      "returned": 125}, CFG)
    assert row.rates == {"on_time_rate": 0.9, "accurate_rate": 0.95}
    assert (row.score, row.grade) == (94, "A")


def test_region_formula() -> None:
    # 结案率 36/40 = 90 % → 90 × 35 % = 31.5; 按期结案率 30/40 = 75 % → 26.25;
    # 返工率 2/40 = 5 % → 95 × 30 % = 28.5. Total 86.25 → B
    counts = {"reported": 50, "due": 40, "closed": 36, "on_time": 30, "parked": 4, "rework": 2}
    row = kpi.evaluate("street", counts, CFG)
    assert row.rates == {"close_rate": 0.9, "on_time_rate": 0.75, "rework_rate": 0.05}
    assert (row.score, row.grade) == (86.25, "B")
    # 按期结案数 / (应结案数 − 缓办数) = 30/36 → 83.33 × 35 % = 29.17 → 89.17 (still B)
    parked_out = kpi.evaluate("grid", counts, KpiConfig(exclude_parked=True))
    assert parked_out.rates["on_time_rate"] == pytest.approx(30 / 36)
    assert (parked_out.score, parked_out.grade) == (89.17, "B")


def test_hotline_three_rates() -> None:
    # 响应率 18/20 → 90 × 30 % = 27; 解决率 16/20 → 80 × 35 % = 28;
    # 满意率 9/10 → 90 × 35 % = 31.5. Total 86.5 → B
    row = kpi.evaluate("hotline", {"orders": 20, "responded": 18, "resolved": 16, "rated": 10,
                                   "satisfied": 9}, CFG)
    assert (row.score, row.grade) == (86.5, "B")


def test_no_data_means_no_score() -> None:
    row = kpi.evaluate("inspector", {}, CFG)
    assert row.score is None and row.grade is None
    assert all(v is None for v in row.rates.values())


def test_changed_weights_bands_and_grades() -> None:
    config = KpiConfig.from_dict({
        "weights": {"dispatcher": {"volume": 0, "on_time": 50, "accurate": 50}},
        "bands": [[10, 100], [0, 50]], "grades": [["优", 95], ["良", 80], ["差", 0]]})
    # Other subjects keep their defaults.
    assert config.weights["department"] == kpi.DEFAULT_WEIGHTS["department"]
    assert kpi.band_score(10, config.bands) == 100 and kpi.band_score(9, config.bands) == 50
    # 按时 9/10 → 45; 准确 (10 − 2)/10 → 40. Total 85 → 良
    row = kpi.evaluate("dispatcher", {"dispatched": 10, "dispatch_on_time": 9, "returned": 2},
                       config)
    assert (row.score, row.grade) == (85, "良")


@pytest.mark.parametrize("data", [
    {"weights": {"department": {"volume": 20}}},  # sums to 110
    {"weights": {"hotline": {"response": -10, "resolution": 75}}},
    {"bands": [[100, 120]]},
    {"bands": [[5, 10], [5, 20]]},
    {"grades": [["A", 90], ["A", 80]]},
])
def test_bad_settings_are_refused(data: dict) -> None:
    with pytest.raises(ValidationFailed):
        KpiConfig.from_dict(data)


def test_parse_bands_and_grades() -> None:
    assert kpi.parse_bands("101 40\n2001 100\n\n0 0") == ((2001, 100), (101, 40), (0, 0))
    assert kpi.parse_grades("B 75\nA，90") == (("A", 90), ("B", 75))
    with pytest.raises(ValidationFailed):
        kpi.parse_bands("abc")


def test_period_days_are_inclusive() -> None:
    period = kpi.parse_period("2024-03-01", "2024-03-31")
    assert period.start == datetime(2024, 3, 1, tzinfo=TZ)
    assert period.end == datetime(2024, 4, 1, tzinfo=TZ)
    assert (period.first_day, period.last_day) == (date(2024, 3, 1), date(2024, 3, 31))
    default = kpi.parse_period(None, None, today=date(2024, 5, 17))
    assert (default.first_day, default.last_day) == (date(2024, 5, 1), date(2024, 5, 17))
    with pytest.raises(ValidationFailed):
        kpi.parse_period("2024-03-02", "2024-03-01")
    with pytest.raises(ValidationFailed):
        kpi.parse_period("March", None)


# --- the grouped queries on a small, hand-built month ------------------------------------------

BASE = datetime(2024, 3, 5, 9, 0, tzinfo=TZ)
AS_OF = datetime(2024, 4, 10, 9, 0, tzinfo=TZ)
MARCH = kpi.parse_period("2024-03-01", "2024-03-31")


def h(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


@dataclass
class Built:
    world: World
    cases: dict[str, Case] = field(default_factory=dict)


def add_case(world: World, name: str, *, grid: int, dept: str | None = None, creator: str | None = None,
             reported: datetime = BASE, clocks: tuple = (), events: tuple = (), **fields: object) -> Case:
    """CaseFactory in the world's names, with clocks (stage, start h, end h|None, on_time, due h, dept)
    and events (action, actor name|None, at h); a clock and the event that ended it share one time."""
    return CaseFactory(
        title=name, reported_at=reported, grid=world.grids[grid],
        department=world.depts[dept] if dept else None,
        creator=world.users[creator] if creator else None,
        timers=[{"stage": stage, "started_at": h(start), "due_at": h(due),
                 "ended_at": None if end is None else h(end), "on_time": on_time,
                 "department_id": world.depts[clock_dept].id if clock_dept else None}
                for stage, start, end, on_time, due, clock_dept in clocks],
        events=[{"action": action, "at": h(at), "actor_id": world.users[actor].id if actor else None,
                 "actor_name": actor or "系统"} for action, actor, at in events],
        **fields)


def build_march(world: World) -> None:
    """Nine cases in March (and one in February) with chosen outcomes; figures worked out below.

    grid 0 (inspector's): c1 inspector report, closed on time; c2 portal, closed after a late
    handling round, one rework, an upheld objection, 不满意; c3 hotline, still handling and overdue;
    c4 superior, parked. grid 1 (inspector's): c5 hotline to 城管, closed on time in handling, late
    re-check, awaiting callback; c6 portal, voided after a late verification; c9 portal, still
    awaiting verification and overdue. grid 2 (inspector2's): c8 inspector2 report, voided.
    c7 was reported in February and is outside the period.
    """
    add_case(world, "c1", status="closed", source="inspector", grid=0, dept="HW",
             creator="inspector", filed_at=h(1), dispatched_at=h(2), closed_at=h(9),
             clocks=(("file", 0, 1, True, 1, None), ("dispatch", 1, 2, True, 2, None),
                     ("handle", 2, 5, True, 6, "HW"), ("recheck", 5, 7, True, 8, None),
                     ("close", 7, 9, True, 9.5, None)),
             events=(("collect", "inspector", 0), ("file", "chief", 1),
                     ("dispatch", "dispatcher", 2), ("report_back", "handler", 5),
                     ("recheck_pass", "inspector", 7), ("close", "chief", 9)))
    add_case(
        world, "c2", status="closed", source="portal", grid=0, dept="HW", rework_count=1,
        return_count=1, satisfaction="不满意", filed_at=h(2), dispatched_at=h(5), closed_at=h(40),
        clocks=(("verify", 0, 1, True, 1, None), ("file", 1, 2, False, 1.5, None),
                ("dispatch", 2, 3, True, 3, None), ("handle", 3, 4, True, 10, "HW"),
                ("dispatch", 4, 5, True, 5, None), ("handle", 5, 20, False, 10, "HW"),
                ("recheck", 20, 21, True, 22, None), ("handle", 21, 30, True, 31, "HW"),
                ("recheck", 30, 31, True, 32, None), ("close", 31, 32, True, 33, None),
                ("callback", 32, 40, True, 50, None)),
        events=(("collect", None, 0), ("verify", "inspector", 1), ("file", "chief", 2),
                ("dispatch", "dispatcher", 3), ("object", "handler", 3.5),
                ("decide_exception", "dispatcher", 4), ("dispatch", "dispatcher", 5),
                ("report_back", "handler", 20), ("recheck_fail", "inspector", 21),
                ("report_back", "handler", 30), ("recheck_pass", "inspector", 31),
                ("close", "chief", 32), ("callback", "operator", 40)),
        requests=({"kind": "objection", "status": "approved", "reason": "不属本部门职责",
                   "department_id": world.depts["HW"].id, "requested_at": h(3.5), "decided_at": h(4)},))
    add_case(world, "c3", status="handling", source="hotline", grid=0, dept="HW",
             creator="operator", filed_at=h(1), dispatched_at=h(1),
             clocks=(("file", 0, 1, True, 1, None), ("handle", 1, None, None, 5, "HW")),
             events=(("collect", "operator", 0), ("auto_file", None, 1),
                     ("auto_dispatch", None, 1)))
    add_case(world, "c4", status="parked", source="superior", grid=0, dept="HW",
             dispatched_at=h(3),
             clocks=(("dispatch", 0, 3, False, 2, None),),
             events=(("collect", None, 0), ("dispatch", "dispatcher", 3)))
    add_case(world, "c5", status="pending_callback", source="hotline", grid=1, dept="CG",
             creator="operator", filed_at=h(1), dispatched_at=h(2), closed_at=h(12),
             needs_callback=True,
             clocks=(("file", 0, 1, False, 0.5, None), ("dispatch", 1, 2, True, 2, None),
                     ("handle", 2, 6, True, 8, "CG"), ("recheck", 6, 10, False, 9, None),
                     ("close", 10, 12, False, 11, None), ("callback", 12, None, None, 60, None)),
             events=(("collect", "operator", 0), ("auto_file", None, 1),
                     ("dispatch", "dispatcher", 2), ("report_back", "handler_cg", 6),
                     ("recheck_pass", "inspector", 10), ("close", "chief", 12)))
    add_case(world, "c6", status="void", source="portal", grid=1, closed_at=h(3),
             clocks=(("verify", 0, 3, False, 1, None),),
             events=(("collect", None, 0), ("verify_false", "inspector", 3)))
    add_case(world, "c9", status="reported", source="portal", grid=1,
             clocks=(("verify", 0, None, None, 1, None),), events=(("collect", None, 0),))
    add_case(world, "c8", status="void", source="inspector", grid=2, creator="inspector2",
             closed_at=h(1),
             clocks=(("file", 0, 1, True, 1, None),),
             events=(("collect", "inspector2", 0), ("void", "chief", 1)))
    add_case(world, "c7", status="closed", source="inspector", grid=0, dept="HW",
             creator="inspector", reported=datetime(2024, 2, 20, 9, tzinfo=TZ),
             dispatched_at=datetime(2024, 2, 20, 10, tzinfo=TZ),
             clocks=(("handle", -300, -299, False, -300, "HW"),),
             events=(("dispatch", "dispatcher", -299.5),))
    world.session.commit()


def report(world: World, subject: str, config: KpiConfig = CFG,
           scope: Scope | None = None) -> kpi.KpiReport:
    return kpi.build_report(world.session, subject, MARCH, scope, config=config, as_of=AS_OF)


def by_name(rep: kpi.KpiReport) -> dict[str, kpi.KpiRow]:
    return {r.name: r for r in rep.rows}


def test_department_figures_from_the_database(world: World) -> None:
    build_march(world)
    rows = by_name(report(world, "department"))
    hw, cg = rows["区环卫所"], rows["区城管执法局"]
    # 环卫: c1..c4 dispatched to it (c7 is February). Closed c1, c2; on time only c1 (c2 had a
    # late handling round, c3 not handled); parked c4; rework c2.
    assert hw.counts == {"filed": 4, "due": 4, "closed": 2, "on_time": 1, "parked": 1,
                         "rework": 1}
    # 0 × 10 % + 50 × 30 % + 25 × 30 % + 75 × 30 % = 15 + 7.5 + 22.5 = 45 → D
    assert (hw.score, hw.grade) == (45, "D")
    # 城管: c5 only, closed and on time: 0 + 30 + 30 + 30 = 90 → A
    assert cg.counts == {"filed": 1, "due": 1, "closed": 1, "on_time": 1, "parked": 0,
                         "rework": 0}
    assert (cg.score, cg.grade) == (90, "A")
    assert [r.name for r in report(world, "department").rows] == ["区城管执法局", "区环卫所"]
    total = report(world, "department").total
    # 5 due, 3 closed (60 %), 2 on time (40 %), 1 rework (20 %): 18 + 12 + 24 = 54 → D
    assert total is not None and (total.score, total.grade) == (54, "D")


def test_region_figures_from_the_database(world: World) -> None:
    build_march(world)
    street = report(world, "street").rows
    assert len(street) == 1
    # 上报 8 (c1–c6, c8, c9); 应结案 5 (c1–c5); 结案 3 (c1, c2, c5); 按期结案 2 (c1, c5);
    # 缓办 1 (c4); 返工 1 (c2). 60 × 35 % + 40 × 35 % + 80 × 30 % = 21 + 14 + 24 = 59 → D
    assert street[0].counts == {"reported": 8, "due": 5, "closed": 3, "on_time": 2, "parked": 1,
                                "rework": 1}
    assert (street[0].score, street[0].grade) == (59, "D")
    # Without parked cases in the 按期 denominator: 2/4 = 50 % → 21 + 17.5 + 24 = 62.5 → C
    parked_out = report(world, "street", KpiConfig(exclude_parked=True)).rows[0]
    assert (parked_out.score, parked_out.grade) == (62.5, "C")

    grids = {r.code: r for r in report(world, "grid").rows}
    g0, g1, g2 = (grids[g.code] for g in world.grids[:3])
    # grid 0: 4 due, 2 closed, 1 on time, 1 parked, 1 rework → 17.5 + 8.75 + 22.5 = 48.75 → D
    assert (g0.counts["due"], g0.score, g0.grade) == (4, 48.75, "D")
    # grid 1: c5 filed and closed on time (c6 void, c9 unverified) → 35 + 35 + 30 = 100 → A
    assert (g1.counts["reported"], g1.counts["due"], g1.score, g1.grade) == (3, 1, 100, "A")
    # grid 2: only a voided report: nothing to close, no score
    assert (g2.counts["reported"], g2.score, g2.grade) == (1, None, None)


def test_people_figures_from_the_database(world: World) -> None:
    build_march(world)
    inspectors = {r.id: r for r in report(world, "inspector").rows}
    mine = inspectors[world.users["inspector"].id]
    # Reports: c1 (valid). Grids 0–1: filed c1–c5, of which public c2, c3, c5 = 3 missed (60 %).
    # Verify: c2 on time, c6 late, c9 open and overdue → 1/3. Re-check: c1, c2 ×2 on time, c5
    # late → 3/4. 100 × 40 % + 40 × 20 % + 33.33 × 20 % + 75 × 20 % = 40 + 8 + 6.67 + 15
    assert mine.counts["missed"] == 3 and mine.counts["grid_filed"] == 5
    assert (mine.counts["verify_due"], mine.counts["verify_on_time"]) == (3, 1)
    assert (mine.counts["recheck_due"], mine.counts["recheck_on_time"]) == (4, 3)
    assert (mine.score, mine.grade) == (69.67, "C")
    other = inspectors[world.users["inspector2"].id]
    # c8 voided: 有效上报率 0; no other data → score 0 → E
    assert (other.counts["reports"], other.counts["valid"], other.score, other.grade) == (
        1, 0, 0, "E")

    chief = report(world, "duty_chief").rows[0]
    # 立案判定: c1 on time, c2 late, c8 (void) on time → 2/3; 立案 c1, c2, c2 objection upheld →
    # 1/2 accurate; 结案: c1, c2 on time, c5 late → 2/3.
    # 66.67 × 25 % + 50 × 40 % + 66.67 × 35 % = 16.67 + 20 + 23.33 = 60 → C
    assert chief.counts == {"file_due": 3, "file_on_time": 2, "filed": 2, "accurate": 1,
                            "close_due": 3, "close_on_time": 2}
    assert (chief.score, chief.grade) == (60, "C")

    dispatcher = report(world, "dispatcher").rows[0]
    # Dispatches: c1, c2 ×2, c4 (late), c5 → 5, 4 on time; c2's first dispatch was objected to
    # and the objection upheld → 1 returned. 0 × 20 % + 80 × 40 % + 80 × 40 % = 64 → C
    assert dispatcher.counts == {"dispatched": 5, "dispatch_on_time": 4, "returned": 1}
    assert (dispatcher.score, dispatcher.grade) == (64, "C")

    operator = report(world, "operator").rows[0]
    # 受理 c3, c5 → band 0; first stages: c3 file on time, c5 file late → 1/2;
    # callbacks: c2 on time → 1/1. 0 × 25 % + 50 × 40 % + 100 × 35 % = 55 → D
    assert operator.counts == {"accepted": 2, "verify_due": 2, "verify_on_time": 1,
                               "callback_due": 1, "callback_on_time": 1}
    assert (operator.score, operator.grade) == (55, "D")


def test_hotline_three_rates_from_the_database(world: World) -> None:
    build_march(world)
    rows = by_name(report(world, "hotline"))
    # 城管: c5 answered in time, closed, not yet called back → 100 × 30 % + 100 × 35 % over 65 %
    cg = rows["区城管执法局"]
    assert cg.counts == {"orders": 1, "responded": 1, "resolved": 1, "rated": 0, "satisfied": 0}
    assert (cg.score, cg.grade) == (100, "A")
    # 环卫: c2 (re-dispatched at 5 h, first reported back at 20 h after the 10 h deadline; closed
    # but 不满意) and c3 (no response, overdue): 响应 0/2, 解决 0/2, 满意 0/1 → 0 → E
    hw = rows["区环卫所"]
    assert hw.counts == {"orders": 2, "responded": 0, "resolved": 0, "rated": 1, "satisfied": 0}
    assert (hw.score, hw.grade) == (0, "E")


def test_scope_limits_rows_to_a_department_and_to_areas(world: World) -> None:
    build_march(world)
    own = report(world, "department", scope=Scope(department_id=world.depts["CG"].id))
    assert [r.name for r in own.rows] == ["区城管执法局"] and own.total is None
    grid1 = report(world, "street", scope=Scope(area_ids=frozenset({world.grids[1].id})))
    assert grid1.rows[0].counts["reported"] == 3


# --- settings, pages, exports and roles --------------------------------------------------------

def token(client: TestClient, world: World, name: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": world.users[name].username,
                                                       "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


PERIOD = "start=2024-03-01&end=2024-03-31"


def test_api_returns_the_figures_to_a_supervisor(client: TestClient, world: World) -> None:
    build_march(world)
    body = client.get(f"/api/v1/kpi/street?{PERIOD}", headers=token(client, world, "supervisor"))
    assert body.status_code == 200, body.text
    data = body.json()
    assert (data["subject"], data["start"], data["end"]) == ("street", "2024-03-01", "2024-03-31")
    row = data["rows"][0]
    assert (row["due"], row["closed"], row["close_rate"], row["grade"]) == (5, 3, 0.6, "D")
    assert data["weights"] == {"close": 35, "on_time": 35, "no_rework": 30}
    unknown = client.get("/api/v1/kpi/nobody", headers=token(client, world, "supervisor"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_subject"


def test_roles(client: TestClient, world: World) -> None:
    build_march(world)
    assert client.get(f"/api/v1/kpi/department?{PERIOD}").status_code == 401
    citizen = token(client, world, "citizen")
    assert client.get(f"/api/v1/kpi/department?{PERIOD}", headers=citizen).status_code == 403
    assert client.get(f"/kpi?{PERIOD}", headers=citizen).status_code == 403
    inspector = token(client, world, "inspector")
    assert client.get(f"/api/v1/kpi/inspector?{PERIOD}", headers=inspector).status_code == 403

    handler = token(client, world, "handler")  # 环卫所
    own = client.get(f"/api/v1/kpi/department?{PERIOD}", headers=handler).json()
    assert [r["name"] for r in own["rows"]] == ["区环卫所"] and own["total"] is None
    hotline = client.get(f"/api/v1/kpi/hotline?{PERIOD}", headers=handler).json()
    assert [r["name"] for r in hotline["rows"]] == ["区环卫所"]
    assert client.get(f"/api/v1/kpi/street?{PERIOD}", headers=handler).status_code == 403
    page = client.get(f"/kpi?{PERIOD}", headers=handler)
    assert page.status_code == 200 and "区环卫所" in page.text and "区城管执法局" not in page.text
    assert "监督员" not in page.text.split('data-testid="kpi-tabs"')[1].split("</nav>")[0]
    csv_text = client.get(f"/kpi/export.csv?subject=department&{PERIOD}", headers=handler).text
    assert "区城管执法局" not in csv_text


def test_page_has_tabs_table_and_chart(client: TestClient, world: World) -> None:
    build_march(world)
    chief = token(client, world, "chief")
    page = client.get(f"/kpi?subject=grid&{PERIOD}", headers=chief)
    assert page.status_code == 200, page.text
    for label in ("部门", "监督员", "话务员", "值班长", "派遣员", "街道", "网格", "12345三率"):
        assert label in page.text
    assert "/static/vendor/echarts.min.js" in page.text and 'id="kpi-data"' in page.text
    assert "48.75" in page.text and "网格1" in page.text
    assert "50.00%" in page.text  # 网格1: 结案率 2/4
    departments = client.get(f"/kpi?subject=department&{PERIOD}", headers=chief).text
    table = departments.split('data-testid="kpi-table"')[1].split("</table>")[0]
    codes = [d.code for d in world.depts.values()]
    assert "区环卫所" in table and not [c for c in codes if f">{c}<" in table]  # names, not codes
    assert client.get("/kpi?subject=grid&start=2024-03-05&end=x", headers=chief).status_code == 422


def test_csv_and_xlsx_exports(client: TestClient, world: World) -> None:
    build_march(world)
    chief = token(client, world, "chief")
    response = client.get(f"/kpi/export.csv?subject=department&{PERIOD}", headers=chief)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "kpi-department-2024-03-01-2024-03-31.csv" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["部门", "编码", "立案数"] and lines[0][-2:] == ["得分", "等级"]
    body = {line[0]: line for line in lines[1:]}
    assert body["区环卫所"][-2:] == ["45.0", "D"] and body["区城管执法局"][-2:] == ["90.0", "A"]
    assert body["区环卫所"][lines[0].index("结案率(%)")] == "50.0"
    assert body["合计"][-1] == "D"

    xlsx = client.get(f"/kpi/export.xlsx?subject=department&{PERIOD}", headers=chief)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == "部门" and {"区环卫所", "区城管执法局", "合计"} <= {v[0] for v in values}


def test_admin_changes_the_settings(client: TestClient, world: World) -> None:
    admin = UserFactory(roles=["system_admin"])
    world.session.commit()
    chief = token(client, world, "chief")
    _, _, csrf = web_login(client, admin.username)
    page = client.get("/kpi/config")
    assert page.status_code == 200 and "2001 100" in page.text
    form = {f"w.{s.key}.{k}": str(kpi.DEFAULT_WEIGHTS[s.key][k])
            for s in kpi.SUBJECTS.values() for k, _ in s.components}
    form.update({"bands": "1000 100\n0 0", "grades": "A 80\nB 0",
                 "exclude_parked": "on", "csrf_token": csrf})
    form["w.hotline.response"] = "40"  # 40 + 35 + 35 = 110: refused, nothing saved
    refused = client.post("/kpi/config", data=form, follow_redirects=False)
    assert refused.status_code == 303 and "msg=" in refused.headers["location"]
    assert kpi.load_config(world.session) == KpiConfig.from_dict(None)

    for bad in ("nan", "三十"):  # not a finite number: refused too
        refused = client.post("/kpi/config", data={**form, "w.hotline.response": bad},
                              follow_redirects=False)
        assert refused.status_code == 303 and "msg=" in refused.headers["location"]
        assert kpi.load_config(world.session) == KpiConfig.from_dict(None)

    form["w.hotline.response"] = "30"
    assert client.post("/kpi/config", data={**form, "csrf_token": "wrong"}).status_code == 403
    saved = client.post("/kpi/config", data=form, follow_redirects=False)
    assert saved.status_code == 303
    world.session.expire_all()
    config = kpi.load_config(world.session)
    assert config.bands == ((1000, 100), (0, 0)) and config.exclude_parked
    assert config.grades == (("A", 80), ("B", 0))
    assert world.session.scalar(select(AuditEntry).where(AuditEntry.action == "kpi.config"))
    assert client.get("/kpi/config", headers=chief).status_code == 403
