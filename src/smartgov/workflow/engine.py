"""The workflow engine (流程引擎): ``act`` does one action in one transaction, ``move`` changes a
subject's state and runs the timer of the state it enters.

act: optimistic version check → why not (409 / 403, audited) → the action's effect → state
change and timers → timeline entry → audit → commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from smartgov.auth import audit
from smartgov.db import now
from smartgov.errors import AppError, Conflict, ValidationFailed
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer
from smartgov.workflow import timeline
from smartgov.workflow.machine import Machine


class TimerPolicy(Protocol):
    """How a domain times its subjects: the row of a new timer, whose timer it is, and what the
    subject mirrors of it (a case shows its due time and warning level)."""

    def timer_values(self, session: Session, subject: Any, stage: str, at: datetime) -> dict: ...

    def department_id(self, subject: Any, stage: str) -> int | None: ...

    def mirror(self, subject: Any, timer: WorkTimer | None) -> None: ...


POLICIES: dict[str, TimerPolicy] = {}


def register_timer_policy(subject_type: str, policy: TimerPolicy) -> None:
    """The domain's timer policy for its subject type (called at import)."""
    POLICIES[subject_type] = policy


def changed(machine: Machine) -> Conflict:
    """The 409 for a subject someone else changed first."""
    return Conflict(
        f"{machine.subject_label}已被他人更新，请刷新后重试 (the {machine.subject_type} changed)",
        code=f"{machine.subject_type}_changed",
    )


def move(
    session: Session, machine: Machine, subject: Any, to_state: str, at: datetime, *,
    actor_id: int | None = None,
) -> WorkTimer | None:
    """Put the subject in ``to_state``: the timer of a new stage starts, the old one stops; a state
    of the same stage (挂账 ↔ 处置) keeps the timer running or paused as it is."""
    new_stage = machine.stage_of(to_state)
    subject.status = str(to_state)
    policy = POLICIES.get(machine.subject_type)
    if policy is None:
        return None
    current = timers.open_timer(session, machine.subject_type, subject.id)
    if current is not None and new_stage is not None and current.stage == new_stage:
        return current
    if current is not None:
        timers.stop(current, at)
    if new_stage is None:
        policy.mirror(subject, None)
        return None
    timer = WorkTimer(**policy.timer_values(session, subject, new_stage, at),
                      department_id=policy.department_id(subject, new_stage), actor_id=actor_id)
    session.add(timer)
    policy.mirror(subject, timer)
    return timer


def act(
    session: Session,
    machine: Machine,
    subject: Any,
    name: str,
    data: Any,
    *,
    principal: Any,
    version: int | None = None,
    note: str | None = None,
    client_addr: str | None = None,
    at: datetime | None = None,
    event_data: dict[str, Any] | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> Any:
    """Do one action on ``subject`` and commit; refuses with 409/403 and a clear message.

    ``data`` is handed to the action's effect as it is (the domain's input schema)."""
    at = at or now()
    action = machine.action(name)
    if version is not None and version != subject.version:
        raise changed(machine)
    refusal = machine.why_not(action, subject, principal)
    if refusal:
        status, message = refusal
        audit.record(session, action=f"{machine.subject_type}.{name}", actor=principal.user,
                     object_type=machine.subject_type, object_id=subject.id, result="denied",
                     client_addr=client_addr, detail=message)
        session.commit()
        raise AppError(message, code="action_not_allowed", status_code=status)
    if action.needs_note and not (note and note.strip()):
        raise ValidationFailed(f"「{action.label}」需要填写说明", code="note_required")
    before = subject.status
    try:
        machine.effects[name](session, subject, data, principal, at)
        if action.target is not None and subject.status == before and before != action.target:
            move(session, machine, subject, action.target, at, actor_id=principal.user_id)
    except StaleDataError:  # another person's change was flushed first (autoflush in an effect)
        session.rollback()
        raise changed(machine) from None
    if hasattr(subject, "updated_at"):
        subject.updated_at = at
    timeline.record(session, machine.subject_type, subject.id, principal, name, before, subject.status,
                    note, at=at, data=event_data)
    audit.record(session, action=f"{machine.subject_type}.{name}", actor=principal.user,
                 object_type=machine.subject_type, object_id=subject.id, client_addr=client_addr,
                 detail={"from": str(before), "to": subject.status} | (audit_detail or {}))
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise changed(machine) from None
    return subject
