"""Department assessment of 一网通办 (政务服务考核) on the kernel's scoring: 好评率, 按时办结率 and
差评整改率 weighted into a score and a grade per department and month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.scoring.config import ScoreConfig
from smartgov.scoring.formulas import grade_of, pct, rate, weighted_score
from smartgov.services.models import SUBJECT, Rating, Rectification
from smartgov.services.rating.service import department_rates
from smartgov.workclock.models import WorkTimer


class ServiceScoreConfig(ScoreConfig):
    """Weights (percent) of the three components; a city changes them like the case KPI's."""

    default_weights: ClassVar = {"services": {"satisfaction": 50.0, "on_time": 30.0, "rectified": 20.0}}
    labels: ClassVar = {"services": "政务服务"}


COMPONENT_LABELS = {"satisfaction": "好评率", "on_time": "按时办结率", "rectified": "差评整改率"}


@dataclass(frozen=True)
class DepartmentScore:
    department_id: int
    components: dict[str, float | None]
    score: float | None
    grade: str | None


def _month(year: int, month: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(get_settings().timezone)
    return (
        datetime(year, month, 1, tzinfo=zone),
        datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone),
    )


def department_scores(
    session: Session, year: int, month: int, config: ServiceScoreConfig | None = None
) -> list[DepartmentScore]:
    """The month's score of every department with ratings, finished work or rectification tasks."""
    config = config or ServiceScoreConfig.from_dict(None)
    start, end = _month(year, month)
    satisfaction = department_rates(session, year, month)
    on_time: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for dept, ok in session.execute(
        select(WorkTimer.department_id, WorkTimer.on_time).where(
            WorkTimer.subject_type == SUBJECT,
            WorkTimer.stage == "promise",
            WorkTimer.ended_at >= start,
            WorkTimer.ended_at < end,
        )
    ):
        on_time[dept][0] += bool(ok)
        on_time[dept][1] += 1
    rectified: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for dept, status in session.execute(
        select(Rectification.department_id, Rectification.status)
        .join(Rating, Rating.id == Rectification.rating_id)
        .where(Rating.rated_at >= start, Rating.rated_at < end)
    ):
        if status == "unfounded":
            continue
        rectified[dept][0] += status == "closed"
        rectified[dept][1] += 1
    weights = config.weights["services"]
    scores = []
    for dept in sorted(set(satisfaction) | set(on_time) | set(rectified)):
        components = {
            "satisfaction": satisfaction.get(dept),
            "on_time": pct(rate(*on_time[dept])) if dept in on_time else None,
            "rectified": pct(rate(*rectified[dept])) if dept in rectified else None,
        }
        score = weighted_score(components, weights)
        scores.append(DepartmentScore(dept, components, score, grade_of(score, config.grades)))
    return scores
