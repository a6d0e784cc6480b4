"""好差评: one rating per handling, named 差评 → callback → rectification, appeals, monthly rates."""

from __future__ import annotations

import pytest

from smartgov.errors import AppError
from smartgov.services.models import RECTIFY_SUBJECT, Rectification
from smartgov.services.rating import service as rating
from smartgov.services.schemas import RatingIn
from smartgov.workclock import timers
from tests.services.conftest import World, at
from tests.services.test_flow import accepted, do


def finished(world: World):  # type: ignore[no-untyped-def]
    app = accepted(world, at("2026-03-02"))
    for who in ("tax", "gongan", "renshe"):
        do(world, app, "opinion", who, verdict="agree")
    do(world, app, "review", "lead")
    do(world, app, "decide", "lead", decision="approve")
    return do(world, app, "issue", "lead", at("2026-03-04"))


def test_labels_of_the_five_levels() -> None:
    assert rating.LEVEL_LABELS == {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
    assert {1, 2} == rating.BAD_LEVELS


def test_only_after_the_result_and_only_once(world: World) -> None:
    app = accepted(world)
    with pytest.raises(AppError, match="办结后"):
        rating.rate(
            world.session,
            app,
            RatingIn(level=5),
            principal=world.p("company"),
            at=at("2026-03-05"),
            owner_ok=True,
        )
    app = finished(world)
    rating.rate(
        world.session,
        app,
        RatingIn(level=5),
        principal=world.p("company"),
        at=at("2026-03-05"),
        owner_ok=True,
    )
    with pytest.raises(AppError, match="一事一评"):
        rating.rate(
            world.session,
            app,
            RatingIn(level=4),
            principal=world.p("company"),
            at=at("2026-03-05"),
            owner_ok=True,
        )


@pytest.mark.parametrize(
    ("level", "named", "task"), [(3, True, False), (2, True, True), (1, True, True), (1, False, False)]
)
def test_a_named_bad_rating_creates_a_rectification_task(
    world: World, level: int, named: bool, task: bool
) -> None:
    app = finished(world)
    given = rating.rate(
        world.session,
        app,
        RatingIn(level=level, named=named),
        principal=world.p("company"),
        at=at("2026-03-05"),
        owner_ok=True,
    )
    found = world.session.query(Rectification).filter_by(rating_id=given.id).one_or_none()
    assert (found is not None) is task
    if task:
        assert found.due_at == at("2026-03-12", "17:30")  # 5 wd after Thu 5 March


def test_callback_then_rectification_closes_and_the_timer_stops(world: World) -> None:
    app = finished(world)
    given = rating.rate(
        world.session,
        app,
        RatingIn(level=1, comment="等太久"),
        principal=world.p("company"),
        at=at("2026-03-05"),
        owner_ok=True,
    )
    task = world.session.query(Rectification).filter_by(rating_id=given.id).one()
    with pytest.raises(AppError):
        rating.rectify(world.session, task, "先整改", principal=world.p("lead"), at=at("2026-03-06"))
    with pytest.raises(AppError):
        rating.callback(world.session, task, "回访", principal=world.p("tax"), at=at("2026-03-06"))
    rating.callback(
        world.session,
        task,
        "已电话回访，申请人反映等候时间长",
        principal=world.p("lead"),
        at=at("2026-03-06"),
    )
    rating.rectify(world.session, task, "增设窗口，缩短等候", principal=world.p("lead"), at=at("2026-03-09"))
    assert task.status == "closed"
    assert timers.open_timers(world.session, RECTIFY_SUBJECT, task.id) == []


@pytest.mark.parametrize(("upheld", "status"), [(True, "unfounded"), (False, "callback")])
def test_appeal_decided_by_the_supervisor(world: World, upheld: bool, status: str) -> None:
    app = finished(world)
    given = rating.rate(
        world.session,
        app,
        RatingIn(level=2),
        principal=world.p("company"),
        at=at("2026-03-05"),
        owner_ok=True,
    )
    task = world.session.query(Rectification).filter_by(rating_id=given.id).one()
    rating.appeal(world.session, task, "申请人误评", principal=world.p("lead"), at=at("2026-03-06"))
    with pytest.raises(AppError):
        rating.decide_appeal(world.session, task, True, "x", principal=world.p("lead"), at=at("2026-03-06"))
    rating.decide_appeal(
        world.session, task, upheld, "复核意见", principal=world.p("supervisor"), at=at("2026-03-07")
    )
    assert task.status == status
    rates = rating.department_rates(world.session, 2026, 3)
    assert rates == ({} if upheld else {world.depts["shichang"].id: 0.0})


def test_monthly_rates_per_department_and_item(world: World) -> None:
    app = finished(world)
    rating.rate(
        world.session,
        app,
        RatingIn(level=3),
        principal=world.p("company"),
        at=at("2026-03-05"),
        owner_ok=True,
    )
    rows = rating.monthly_rates(world.session, 2026, 3)
    assert rows == [
        {
            "department_id": world.depts["shichang"].id,
            "item_id": world.item.id,
            "ratings": 1,
            "good": 1,
            "rate": 100.0,
        }
    ]
    assert rating.monthly_rates(world.session, 2026, 4) == []


def test_department_score_weighs_satisfaction_on_time_and_rectification(world: World) -> None:
    from smartgov.services.rating.scores import department_scores

    app = finished(world)  # promise timer stopped on 4 March, before its due time: on time
    given = rating.rate(
        world.session,
        app,
        RatingIn(level=2),
        principal=world.p("company"),
        at=at("2026-03-05"),
        owner_ok=True,
    )
    task = world.session.query(Rectification).filter_by(rating_id=given.id).one()
    rating.callback(world.session, task, "已回访", principal=world.p("lead"), at=at("2026-03-06"))
    rating.rectify(world.session, task, "已整改", principal=world.p("lead"), at=at("2026-03-09"))
    [score] = department_scores(world.session, 2026, 3)
    # 好评率 0 (one 不满意) × 50 + 按时办结率 100 × 30 + 差评整改率 100 × 20 → 50.0, grade D (40–60)
    assert score.department_id == world.depts["shichang"].id
    assert score.components == {"satisfaction": 0.0, "on_time": 100.0, "rectified": 100.0}
    assert (score.score, score.grade) == (50.0, "D")
    assert department_scores(world.session, 2026, 4) == []
