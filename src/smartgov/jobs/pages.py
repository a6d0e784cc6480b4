"""The system administrator's page of background jobs: counts, failed jobs, 重试 (后台任务)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smartgov.auth.deps import client_addr
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session
from smartgov.errors import Conflict, NotFound
from smartgov.jobs import service
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
ADMIN = menu_entry("/admin/jobs", "后台任务", 85, Role.SYSTEM_ADMIN)


def _job_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= service.MAX_ID:
        raise NotFound(f"任务不存在：{text[:40]}")
    return int(text)


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, session: Session = Depends(get_session),
              principal: Principal = Depends(ADMIN)) -> Response:
    """Counts by state and the failed jobs with their arguments, attempts and error."""
    counts = service.status_counts(session)
    msg = request.query_params.get("msg")
    return render(request, "jobs/admin_jobs.html", {
        "counts": [(service.STATE_LABELS[key], key, value) for key, value in counts.items()],
        "failed": service.failed_jobs(session),
        "flash": [msg[:200]] if msg else [],
    })


@router.post("/admin/jobs/{job_id}/retry")
def retry_job(job_id: str, request: Request, session: Session = Depends(get_session),
              principal: Principal = Depends(ADMIN)) -> Response:
    """重试: the failed job goes back in the queue for one more run; audited."""
    number = _job_id(job_id)
    try:
        service.retry(session, number, principal=principal, client_addr=client_addr(request))
    except Conflict as exc:
        session.rollback()
        return RedirectResponse(f"/admin/jobs?msg={quote(exc.message)}", status_code=303)
    session.commit()
    return RedirectResponse(f"/admin/jobs?msg={quote(f'任务 {number} 已重新排队')}", status_code=303)
