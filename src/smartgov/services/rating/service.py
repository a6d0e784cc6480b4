"""好差评: one rating per handling, rectification of named 差评, appeals, monthly rates."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.config import get_settings
from smartgov.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartgov.inbox import service as inbox
from smartgov.services.models import RECTIFY_SUBJECT, Application, Rating, Rectification
from smartgov.services.schemas import RatingIn
from smartgov.services.workflow import RESULT_STATES
from smartgov.workclock import timers

LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_LEVELS = frozenset({1, 2})  # 差评
RECTIFY_LIMIT = "5wd"  # 整改时限, configurable per city (5 or 15 working days)
STATUS_LABELS = {
    "callback": "待回访",
    "rectifying": "整改中",
    "appealed": "申诉复核中",
    "closed": "已办结",
    "unfounded": "申诉成立（不计差评）",
}


def rate(
    session: Session, app: Application, data: RatingIn, *, principal: Principal, at: datetime, owner_ok: bool
) -> Rating:
    """Rate one handling (一事一评); a named 差评 opens a rectification task with a limit."""
    if not owner_ok:
        raise Forbidden("只能评价自己的办件", code="forbidden")
    if app.status not in RESULT_STATES:
        raise Conflict("办件办结后才能评价", code="not_finished")
    if session.scalar(select(Rating.id).where(Rating.application_id == app.id)):
        raise Conflict("该办件已评价（一事一评）", code="already_rated")
    rating = Rating(
        application_id=app.id,
        item_id=app.item_id,
        department_id=app.lead_department_id,
        level=data.level,
        comment=data.comment.strip(),
        channel=data.channel,
        named=data.named,
        rated_at=at,
    )
    session.add(rating)
    session.flush()
    if data.level in BAD_LEVELS and data.named:
        task = Rectification(
            rating_id=rating.id,
            department_id=app.lead_department_id,
            status="callback",
            due_at=timers.due_if_started(at, RECTIFY_LIMIT),
        )
        session.add(task)
        session.flush()
        timers.start(
            session,
            RECTIFY_SUBJECT,
            task.id,
            "rectify",
            RECTIFY_LIMIT,
            at,
            department_id=app.lead_department_id,
        )
        inbox.notify(
            session,
            kind="svc_rectify",
            department_id=app.lead_department_id,
            subject_type=RECTIFY_SUBJECT,
            subject_id=task.id,
            message=f"差评整改：办件{app.number}，{LEVEL_LABELS[data.level]}",
        )
    audit.record(
        session,
        principal=principal,
        action="svc_rating.rate",
        object_type="svc_rating",
        object_id=rating.id,
        detail={"level": LEVEL_LABELS[data.level]},
    )
    return rating


def get_task(session: Session, task_id: int, principal: Principal) -> Rectification:
    task = session.get(Rectification, task_id)
    if task is None or not (
        principal.has_any(Role.SUPERVISOR, Role.LEADER)
        or (principal.is_staff and principal.department_id == task.department_id)
    ):
        raise NotFound("整改任务不存在", code="task_not_found")
    return task


def _step(
    session: Session, task: Rectification, expected: tuple[str, ...], principal: Principal, action: str
) -> None:
    if task.status not in expected:
        raise Conflict(f"整改任务当前为「{STATUS_LABELS[task.status]}」，不能执行此操作", code="bad_state")
    audit.record(
        session,
        principal=principal,
        action=f"svc_rectify.{action}",
        object_type=RECTIFY_SUBJECT,
        object_id=task.id,
    )


def callback(session: Session, task: Rectification, note: str, *, principal: Principal, at: datetime) -> None:
    """回访: the department calls the applicant back (100 %) and records what they said."""
    _own(task, principal)
    _required(note, "回访记录")
    _step(session, task, ("callback",), principal, "callback")
    task.status, task.callback_note, task.callback_at = "rectifying", note.strip(), at


def rectify(session: Session, task: Rectification, note: str, *, principal: Principal, at: datetime) -> None:
    """整改: what was put right; the task closes and its timer stops."""
    _own(task, principal)
    _required(note, "整改情况")
    _step(session, task, ("rectifying",), principal, "rectify")
    task.status, task.rectify_note, task.closed_at = "closed", note.strip(), at
    _stop_timer(session, task, at)


def appeal(session: Session, task: Rectification, reason: str, *, principal: Principal, at: datetime) -> None:
    """申诉: the department says the 差评 is unfounded; the supervisor decides."""
    _own(task, principal)
    _required(reason, "申诉理由")
    _step(session, task, ("callback", "rectifying"), principal, "appeal")
    task.status, task.appeal_reason = "appealed", reason.strip()


def decide_appeal(
    session: Session, task: Rectification, upheld: bool, note: str, *, principal: Principal, at: datetime
) -> None:
    """复核: upheld, the 差评 no longer counts; refused, rectification goes on."""
    principal.require_any(Role.SUPERVISOR)
    _required(note, "复核意见")
    _step(session, task, ("appealed",), principal, "decide_appeal")
    task.appeal_decision = note.strip()
    if upheld:
        task.status, task.closed_at = "unfounded", at
        _stop_timer(session, task, at)
    else:
        task.status = "rectifying" if task.callback_at else "callback"


def _own(task: Rectification, principal: Principal) -> None:
    if not principal.is_staff or principal.department_id != task.department_id:
        raise Forbidden("只有被评价部门可以处理整改任务", code="forbidden")


def _required(text: str, label: str) -> None:
    if not (text or "").strip():
        raise ValidationFailed(f"请填写{label}", code="note_required")


def _stop_timer(session: Session, task: Rectification, at: datetime) -> None:
    for timer in timers.open_timers(session, RECTIFY_SUBJECT, task.id):
        timers.stop(timer, at)


def monthly_rates(session: Session, year: int, month: int) -> list[dict]:
    """Satisfaction per department and item in a month (月度好评率); unfounded 差评 excluded."""
    from datetime import datetime as dt
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(get_settings().timezone)
    start = dt(year, month, 1, tzinfo=zone)
    end = dt(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    excluded = select(Rectification.rating_id).where(Rectification.status == "unfounded")
    rows = session.execute(
        select(Rating.department_id, Rating.item_id, Rating.level).where(
            Rating.rated_at >= start, Rating.rated_at < end, Rating.id.not_in(excluded)
        )
    ).all()
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for dept, item, level in rows:
        groups[(dept, item)].append(level)
    return [
        {
            "department_id": dept,
            "item_id": item,
            "ratings": len(levels),
            "good": sum(1 for lv in levels if lv >= 3),
            "rate": round(100 * sum(1 for lv in levels if lv >= 3) / len(levels), 1),
        }
        for (dept, item), levels in sorted(groups.items())
    ]


def department_rates(session: Session, year: int, month: int) -> dict[int, float]:
    """好评率 per department (0–100): what the department assessment takes as a component."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in monthly_rates(session, year, month):
        totals[row["department_id"]][0] += row["good"]
        totals[row["department_id"]][1] += row["ratings"]
    return {dept: round(100 * good / n, 1) for dept, (good, n) in totals.items() if n}


audit.register_labels(
    {
        "svc_rating.rate": "好差评",
        "svc_rectify.callback": "差评回访",
        "svc_rectify.rectify": "差评整改",
        "svc_rectify.appeal": "差评申诉",
        "svc_rectify.decide_appeal": "申诉复核",
    },
    objects={"svc_rating": "评价", RECTIFY_SUBJECT: "差评整改"},
)
inbox.register_kinds({"svc_rectify": "差评整改"})
