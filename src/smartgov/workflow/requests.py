"""Requests awaiting a decision on any subject (待审核申请): one at a time per subject.

Cases ask for 回退, 延期, 挂账 and 派单异议; services for 补正, 特别程序, 挂起 and 延期. The
domain decides what an approval does; this module keeps the request and its decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smartgov.errors import Conflict, ValidationFailed
from smartgov.workflow.models import PendingRequest

PENDING, APPROVED, REFUSED, WITHDRAWN = "pending", "approved", "refused", "withdrawn"
STATUS_LABELS = {PENDING: "待审核", APPROVED: "已同意", REFUSED: "不同意", WITHDRAWN: "已撤回"}


def pending(session: Session, subject_type: str, subject_id: int) -> PendingRequest | None:
    """The request waiting for a decision on a subject (there is at most one)."""
    return session.scalar(
        select(PendingRequest).where(
            PendingRequest.subject_type == subject_type,
            PendingRequest.subject_id == subject_id,
            PendingRequest.status == PENDING,
        )
    )


def open_request(
    session: Session, subject_type: str, subject_id: int, kind: str, reason: str, *, at: datetime,
    extension: str | None = None, department_id: int | None = None, requested_by_id: int | None = None,
) -> PendingRequest:
    """Ask for a decision (提出申请); refused while another request waits."""
    if pending(session, subject_type, subject_id) is not None:
        raise Conflict("已有待审核的申请，请等待审核结果", code="exception_pending")
    request = PendingRequest(
        subject_type=subject_type, subject_id=subject_id, kind=kind, reason=reason,
        extension=extension, department_id=department_id, requested_by_id=requested_by_id,
        requested_at=at,
    )
    session.add(request)
    return request


def decide(
    request: PendingRequest, approve: bool | None, *, by_id: int | None, at: datetime, note: str | None
) -> None:
    """Approve or refuse (审核); what an approval does is the domain's."""
    if request.status != PENDING:
        raise Conflict("该申请已审核或已撤回", code="request_decided")
    if approve is None:
        raise ValidationFailed("请选择同意或不同意", code="decision_required")
    request.status = APPROVED if approve else REFUSED
    request.decided_by_id, request.decided_at, request.decision_note = by_id, at, note


def withdraw(request: PendingRequest, *, at: datetime, reason: str) -> None:
    """A request that lapsed (撤回): the subject left the step it was asked in."""
    request.status = WITHDRAWN
    request.decided_at, request.decision_note = at, reason


def waiting_requests(subject_type: str) -> Select:
    """The requests waiting for a decision on subjects of a type (the 待审核 queue)."""
    return select(PendingRequest).where(
        PendingRequest.subject_type == subject_type, PendingRequest.status == PENDING
    )


def waiting_subjects(subject_type: str) -> Select:
    """The ids of subjects of a type with a request waiting (for queue filters)."""
    return waiting_requests(subject_type).with_only_columns(PendingRequest.subject_id)


def subjects_with_pending(session: Session, subject_type: str, subject_ids: Sequence[int]) -> set[int]:
    """Which of these subjects have a request waiting (one query)."""
    if not subject_ids:
        return set()
    query = waiting_subjects(subject_type).where(PendingRequest.subject_id.in_(subject_ids))
    return set(session.scalars(query))
