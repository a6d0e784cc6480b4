"""Photos of cases (案件照片): the cases policy for files/ and the audited upload of one photo."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from smartgov import files
from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.cases.models import SUBJECT, Case
from smartgov.config import get_settings
from smartgov.files.models import FileLink

PHOTOS = files.FilePolicy(
    types=frozenset({"image/jpeg", "image/png", "image/webp"}),
    max_bytes=lambda: get_settings().max_upload_mb * 1024 * 1024,
    kinds=frozenset({"photo", "before", "after"}),
    what="照片",
)


def save_attachment(
    session: Session,
    case: Case,
    content: bytes,
    filename: str,
    kind: str = "photo",
    event_id: int | None = None,
    principal: Principal | None = None,
) -> FileLink:
    """Check and store one photo of ``case``; audited as ``case.photo_uploaded`` (caller commits)."""
    att = files.attach(
        session, policy=PHOTOS, subject_type=SUBJECT, subject_id=case.id, content=content,
        filename=filename, kind=kind, event_id=event_id,
        uploaded_by_id=principal.user_id if principal else None,
    )
    audit.record(
        session,
        action="case.photo_uploaded",
        principal=principal,
        object_type="case",
        object_id=case.id,
        detail={"attachment_id": att.id, "filename": att.filename, "size": att.size,
                "content_type": att.content_type, "kind": kind},
    )
    return att


def case_photos(session: Session, case_id: int) -> Sequence[FileLink]:
    return files.links_of(session, SUBJECT, case_id)


def case_photo(session: Session, case_id: int, photo_id: int) -> FileLink:
    return files.get_link(session, photo_id, subject_type=SUBJECT, subject_id=case_id)
