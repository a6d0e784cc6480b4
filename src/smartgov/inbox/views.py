"""JSON API of the 消息中心: my messages, the unread count, mark read."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from smartgov.auth.deps import require_login
from smartgov.auth.principal import Principal
from smartgov.db import get_session
from smartgov.inbox import service
from smartgov.inbox.models import Notification
from smartgov.params import Id

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"])


class MessageOut(BaseModel):
    """One message (站内消息) as the API shows it."""

    id: int
    kind: str
    kind_label: str
    message: str
    subject_type: str | None
    subject_id: int | None
    link: str | None
    to_department: bool
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, note: Notification) -> MessageOut:
        return cls(
            id=note.id, kind=note.kind, kind_label=service.kind_label(note.kind), message=note.message,
            subject_type=note.subject_type, subject_id=note.subject_id,
            link=service.subject_link(note.subject_type, note.subject_id),
            to_department=note.user_id is None, created_at=note.created_at, read_at=note.read_at,
        )


@router.get("", response_model=list[MessageOut])
def list_messages(
    unread: bool = False,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> list[MessageOut]:
    """The newest 100 messages to me and to my department."""
    return [MessageOut.of(n) for n in service.messages_for(session, principal, unread_only=unread)]


@router.get("/unread-count")
def unread(session: Session = Depends(get_session),
           principal: Principal = Depends(require_login)) -> dict[str, int]:
    return {"unread": service.unread_count(session, principal)}


@router.post("/{notification_id}/read", response_model=MessageOut)
def read_one(notification_id: Id, session: Session = Depends(get_session),
             principal: Principal = Depends(require_login)) -> MessageOut:
    note = service.mark_read(session, principal, notification_id)
    session.commit()
    return MessageOut.of(note)


@router.post("/read-all")
def read_all(session: Session = Depends(get_session),
             principal: Principal = Depends(require_login)) -> dict[str, int]:
    count = service.mark_all_read(session, principal)
    session.commit()
    return {"marked": count}
