"""JSON API of the base registries: file import with a row-by-row report, data quality, counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Path, UploadFile
from sqlalchemy.orm import Session

from smartgov.auth.deps import require_roles
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session
from smartgov.errors import ValidationFailed
from smartgov.registry import service
from smartgov.registry.tables import MAX_BYTES

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])
KEEPERS = (
    Role.HANDLER,
    Role.APPROVER,
    Role.SYSTEM_ADMIN,
)  # 基础库维护: department staff and the administrator
READERS = (*KEEPERS, Role.LEADER, Role.SUPERVISOR)


@router.post("/imports/{kind}", status_code=201)
async def upload(
    kind: str = Path(pattern="^(person|entity|house)$"),
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(require_roles(*KEEPERS)),
) -> dict[str, Any]:
    """Import a CSV/XLSX file into a registry; a file with any wrong row is rejected whole (422 body)."""
    content = await file.read(MAX_BYTES + 1)
    report = service.import_file(
        session, kind, content, (file.filename or "upload")[:200], principal=principal
    )
    body = {
        "accepted": report.accepted,
        "batch_id": report.batch_id,
        "rows": report.rows,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_count": report.error_count,
        "errors": [e.as_dict() for e in report.errors],
    }
    if not report.accepted:
        raise ValidationFailed(
            f"文件有 {report.error_count} 处错误，未导入任何数据", code="import_rejected", details=body
        )
    return body


@router.get("/quality")
def quality(
    session: Session = Depends(get_session), principal: Principal = Depends(require_roles(*READERS))
) -> dict[str, Any]:
    """数据质量 per source department, registry sizes and possible duplicates."""
    return {
        "departments": service.quality_by_department(session),
        "counts": service.counts(session),
        "duplicate_persons": service.duplicate_persons(session),
        "duplicate_entities": service.duplicate_entities(session),
    }
