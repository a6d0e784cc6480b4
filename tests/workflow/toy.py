"""A toy two-state machine (待办 → 已办) on a table of its own, so the platform is tested without
any domain: tickets that a clerk closes and a reviewer may reopen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer
from smartgov.workflow import engine
from smartgov.workflow.machine import Action, Field, Machine


class ToyBase(DeclarativeBase):
    pass


class Ticket(ToyBase):
    """A toy subject: id, state and version are all a machine needs."""

    __tablename__ = "toy_ticket"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    owner_department_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


def not_locked(ticket: Ticket, principal: object) -> str | None:
    return "工单已锁定" if ticket.owner_department_id == -1 else None


TOY = Machine(
    subject_type="toy",
    subject_label="工单",
    states={"open": "待办", "done": "已办"},
    stages={"open": "work", "done": None},
    actions={
        "finish": Action("finish", "办结", frozenset({"open"}), frozenset({"clerk"}), "done",
                         guards=(not_locked,)),
        "reopen": Action("reopen", "重新打开", frozenset({"done"}), frozenset({"reviewer"}), "open",
                         needs_note=True),
        "decide": Action("decide", "审核", frozenset({"open"}), frozenset({"reviewer"}),
                         fields=(Field("approve", "审核意见", "choice", choices=(("yes", "同意"),)),),
                         needs_request="*"),
    },
    step_labels={"created": "创建"},
)
CALLS: list[tuple[str, int]] = []


def _effect(name: str):  # type: ignore[no-untyped-def]
    def effect(session: Session, ticket: Ticket, data: object, principal: object, at: datetime) -> None:
        CALLS.append((name, ticket.id))

    return effect


TOY.bind_effects({name: _effect(name) for name in TOY.actions})


class ToyTimers:
    """Toy timer policy: 8 natural hours per stage, owned by the ticket's department."""

    def timer_values(self, session: Session, subject: Ticket, stage: str, at: datetime) -> dict:
        return timers.timer_values("toy", subject.id, stage, "8h", at)

    def department_id(self, subject: Ticket, stage: str) -> int | None:
        return subject.owner_department_id

    def mirror(self, subject: Ticket, timer: WorkTimer | None) -> None:
        subject.due_at = timer.due_at.isoformat() if timer and timer.due_at else None


engine.register_timer_policy("toy", ToyTimers())
