"""建筑节能 on hand-checked numbers: EUI, degree-days, working days on the Chinese calendar, the
baseline fit and ASHRAE Guideline 14's limits, savings against the 15 % goal."""

from __future__ import annotations

from datetime import date

import pytest

from smartgov.iot import energy
from smartgov.iot.energy import Baseline, Period
from smartgov.workclock.workcalendar import WorkCalendar


def test_eui() -> None:
    assert energy.eui(1_500_000, 10_000) == 150
    with pytest.raises(ValueError):
        energy.eui(1, 0)


def test_degree_days_on_both_sides_of_the_bases() -> None:
    # HDD18: 18 − 10 = 8, nothing at 18 or above; CDD26: 30 − 26 = 4, nothing at 26 or below
    assert energy.degree_days([10, 18, 20, 26, 30]) == (8, 4)


def test_working_days_follow_the_holidays_and_make_up_days() -> None:
    # 2025 国庆·中秋: 1–8 October off, Saturday 11 October worked (调休)
    assert energy.working_days(date(2025, 10, 1), date(2025, 10, 11), WorkCalendar().is_workday) == 3


def months(rows: list[tuple[float, float, float, int]]) -> list[Period]:
    return [Period(f"2025-{i + 1:02d}", kwh, hdd, cdd, wd) for i, (kwh, hdd, cdd, wd) in enumerate(rows)]


def test_fit_recovers_an_exact_model() -> None:
    drivers = [
        (300, 0, 21),
        (250, 0, 18),
        (150, 0, 22),
        (50, 0, 21),
        (0, 20, 19),
        (0, 90, 20),
        (0, 160, 23),
        (0, 150, 21),
        (0, 60, 18),
        (20, 0, 17),
        (120, 0, 20),
        (260, 0, 22),
    ]
    rows = [(1000 + 20 * h + 30 * c + 50 * w, h, c, w) for h, c, w in drivers]
    model = energy.fit_baseline(months(rows))
    assert model.coefficients == pytest.approx((1000, 20, 30, 50))
    assert model.cv_rmse == pytest.approx(0, abs=1e-9) and model.nmbe == pytest.approx(0, abs=1e-9)
    assert model.r2 == pytest.approx(1) and model.acceptable


def test_a_driver_that_never_varies_is_left_out() -> None:
    rows = [
        (1000 + 20 * h + 50 * w, h, 0, w)
        for h, w in ((300, 21), (250, 18), (150, 22), (50, 21), (0, 19), (10, 20), (30, 23))
    ]
    model = energy.fit_baseline(months(rows))
    assert model.coefficients == pytest.approx((1000, 20, 0, 50))


def test_goodness_by_hand() -> None:
    # residuals −10, 10, 0: RMSE √(200/2) = 10 over a mean of 200 = 5 %; no bias; R² = 1 − 200/20000
    assert energy.goodness([100, 200, 300], [110, 190, 300], 1) == pytest.approx((0.05, 0.0, 0.99))
    # residuals 10, 10, 10: √(300/2) / 200 = 0.061237; NMBE 30 / (2 · 200) = 7.5 %
    cv, nmbe, _ = energy.goodness([100, 200, 300], [90, 190, 290], 1)
    assert (round(cv, 6), nmbe) == (0.061237, 0.075)


@pytest.mark.parametrize(
    ("interval", "cv", "nmbe", "ok"),
    [
        ("monthly", 0.15, 0.05, True),
        ("monthly", 0.1501, 0.0, False),
        ("monthly", 0.10, -0.0501, False),
        ("monthly", 0.10, -0.05, True),
        ("hourly", 0.30, 0.10, True),
        ("hourly", 0.3001, 0.0, False),
        ("hourly", 0.2, 0.1001, False),
    ],
)
def test_guideline_14_limits(interval: str, cv: float, nmbe: float, ok: bool) -> None:
    assert Baseline((0, 0, 0, 0), 12, cv, nmbe, 0.9, interval).acceptable is ok


def test_savings_against_the_adjusted_baseline_and_the_goal() -> None:
    flat = Baseline((1000.0, 0.0, 0.0, 0.0), 12, 0.0, 0.0, 1.0)
    report = energy.savings(flat, [Period("2026-01", 850, 300, 0, 20), Period("2026-02", 850, 200, 0, 15)])
    assert (report.adjusted_baseline, report.actual, report.savings) == (2000, 1700, 300)
    assert report.rate == pytest.approx(0.15) and report.meets_goal
    short = energy.savings(flat, [Period("2026-01", 851, 0, 0, 20)])
    assert not short.meets_goal
    weather = Baseline((100.0, 2.0, 0.0, 0.0), 12, 0.0, 0.0, 1.0)  # a colder month raises the baseline
    assert energy.savings(weather, [Period("2026-01", 500, 300, 0, 20)]).months[0].adjusted_baseline == 700


def test_district_adds_the_buildings_up() -> None:
    a = energy.savings(Baseline((1000.0, 0, 0, 0), 12, 0, 0, 1), [Period("2026-01", 800, 0, 0, 20)])
    b = energy.savings(Baseline((3000.0, 0, 0, 0), 12, 0, 0, 1), [Period("2026-01", 2700, 0, 0, 20)])
    total = energy.district([a, b])
    assert (total.adjusted_baseline, total.actual) == (4000, 3500) and total.rate == 0.125
    assert not total.meets_goal


def test_energy_page_reports_each_building_and_the_district(session, client) -> None:  # type: ignore[no-untyped-def]
    from datetime import date as day

    from smartgov.iot import buildings
    from tests.factories import UserFactory, using
    from tests.iot.test_pages import csrf_from

    with using(session):
        user = UserFactory(roles=["leader"])
    assert buildings.load_demo_buildings(session, day(2026, 11, 30)) == 3
    assert buildings.load_demo_buildings(session, day(2026, 11, 30)) == 0
    session.commit()
    reports, total = buildings.district_reports(session)
    assert [len(r.report.months) for r in reports] == [11, 11, 11]  # January to November 2026
    assert all(r.baseline is not None and r.baseline.acceptable for r in reports)
    # the demo's buildings save 18 %, 16 % and 11 % (± the noise): the district lands near 16 %
    assert [round(r.report.rate, 2) for r in reports] == pytest.approx([0.18, 0.16, 0.11], abs=0.02)
    assert total.meets_goal
    page = client.get("/login")
    client.post(
        "/login",
        data={"username": user.username, "password": "Test-Passw0rd", "csrf_token": csrf_from(page.text)},
    )
    shown = client.get("/iot/energy")
    assert shown.status_code == 200 and "区行政服务中心" in shown.text and "已达标" in shown.text
    assert "模型合格" in shown.text and "kWh/m²·年" in shown.text
