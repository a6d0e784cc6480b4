"""Pages of the base registries (基础库): sizes, file import with its row-by-row report, data quality."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session
from smartgov.errors import AppError
from smartgov.registry import service
from smartgov.registry.models import ImportBatch
from smartgov.registry.tables import MAX_BYTES
from smartgov.web.forms import error_status, error_text
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
KEEPERS = menu_entry(
    "/registry", "基础库", 66, Role.HANDLER, Role.APPROVER, Role.SYSTEM_ADMIN, Role.LEADER, Role.SUPERVISOR
)


def _home(
    request: Request,
    session: Session,
    report: service.ImportReport | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    batches = session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)).all()
    return render(
        request,
        "registry/home.html",
        {
            "counts": service.counts(session),
            "batches": batches,
            "report": report,
            "error": error,
            "kinds": service.KIND_LABELS,
            "quality": service.quality_by_department(session),
            "dup_persons": service.duplicate_persons(session, limit=20),
            "dup_entities": service.duplicate_entities(session, limit=20),
        },
        status_code=status_code,
    )


@router.get("/registry", response_class=HTMLResponse)
def home(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(KEEPERS)
) -> Response:
    """基础库: registry sizes, the import form, recent imports and data quality per department."""
    return _home(request, session)


@router.post("/registry/import", response_class=HTMLResponse)
async def import_page(
    request: Request,
    kind: str = Form(..., max_length=16),
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(KEEPERS),
) -> Response:
    """导入 a CSV/XLSX file; the page shows the row-by-row report (nothing changes when rejected)."""
    if principal.has_any(Role.LEADER, Role.SUPERVISOR) and not principal.has_any(
        Role.HANDLER, Role.APPROVER, Role.SYSTEM_ADMIN
    ):
        return _home(request, session, error="当前角色只能查看基础库，不能导入", status_code=403)
    content = await file.read(MAX_BYTES + 1)
    try:
        report = service.import_file(
            session, kind, content, (file.filename or "upload")[:200], principal=principal
        )
    except AppError as exc:
        session.rollback()
        return _home(request, session, error=error_text(exc), status_code=error_status(exc))
    return _home(request, session, report=report, status_code=200 if report.accepted else 422)


PERSONAL_KINDS = {
    "name": "name",
    "id_number": "id_number",
    "phone": "phone",
    "current_address": "address",
    "hukou_address": "address",
}


@router.get("/registry/person", response_class=HTMLResponse)
def person_page(
    request: Request,
    id_number: str = Query("", max_length=18),
    session: Session = Depends(get_session),
    principal: Principal = Depends(KEEPERS),
) -> Response:
    """人口查询: one person's record (personal data masked unless the role needs it; each view audited)
    and the history of its changes with who, when and from which source."""
    from smartgov.auth.masking import show_personal

    record = service.lookup_person(session, id_number) if id_number.strip() else None
    changes = []
    if record is not None:
        key = record["id_number"]
        for field, kind in PERSONAL_KINDS.items():
            if record.get(field):
                record[field] = show_personal(principal, record[field], kind)
        audit.record(
            session,
            principal=principal,
            action="registry.person_viewed",
            object_type="reg_person",
            object_id=key,
            detail={"kinds": sorted(set(PERSONAL_KINDS.values())) if principal.sees_personal_data else []},
        )
        session.commit()
        for change in service.history(session, "person", key):
            rows = []
            for field, (old, new) in change.changes.items():
                kind = PERSONAL_KINDS.get(field)
                if kind:
                    old, new = show_personal(principal, old, kind), show_personal(principal, new, kind)
                rows.append((service.FIELD_LABELS.get(field, field), old, new))
            changes.append((change, rows))
    return render(
        request,
        "registry/person.html",
        {"id_number": id_number, "record": record, "changes": changes, "searched": bool(id_number.strip())},
    )
