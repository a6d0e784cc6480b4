"""The public verification page (证照核验): by identifier or by scanning the QR code."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from smartgov.db import get_session
from smartgov.errors import NotFound
from smartgov.services.certificates import service as certificates
from smartgov.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/certificates/verify", response_class=HTMLResponse)
def verify_page(
    request: Request, id: str | None = Query(None, max_length=120), session: Session = Depends(get_session)
) -> HTMLResponse:
    """Anyone checks a certificate here (no login)."""
    result, error = None, None
    if id:
        try:
            result = certificates.verify(session, id.strip())
        except NotFound:
            error = "未找到该证照，请核对证照标识"
    return render(
        request,
        "services/verify.html",
        {
            "result": result,
            "error": error,
            "ident": id or "",
            "labels": certificates.STATUS_LABELS,
            "id_types": certificates.ID_TYPE_LABELS,
        },
    )
