"""The 消息中心 page: my messages and my department's, each leading to its subject; mark read."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smartgov.auth.deps import require_login
from smartgov.auth.principal import Principal
from smartgov.db import get_session
from smartgov.inbox import service
from smartgov.params import Id
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    unread: bool = False,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    """消息中心: the newest messages to me and to my department, unread ones marked."""
    rows = service.messages_for(session, principal, unread_only=unread)
    return render(request, "inbox/inbox.html", {
        "rows": rows,
        "unread_only": unread,
        "kind_label": service.kind_label,
        "link_of": service.subject_link,
        "flash": [request.query_params["msg"]] if request.query_params.get("msg") else [],
    })


@router.get("/inbox/{notification_id}")
def open_message(
    notification_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    """Open a message: it is read, and the page of its subject shows (or the inbox when none)."""
    note = service.mark_read(session, principal, notification_id)
    session.commit()
    return RedirectResponse(service.subject_link(note.subject_type, note.subject_id) or "/inbox",
                            status_code=303)


@router.post("/inbox/{notification_id}/read")
def read_message(
    notification_id: Id,
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    service.mark_read(session, principal, notification_id)
    session.commit()
    return RedirectResponse("/inbox", status_code=303)


@router.post("/inbox/read-all")
def read_all(
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_login),
) -> Response:
    count = service.mark_all_read(session, principal)
    session.commit()
    return RedirectResponse(f"/inbox?msg=已将 {count} 条消息标为已读", status_code=303)
