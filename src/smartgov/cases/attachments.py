"""Photos of cases (案件照片): the cases policy for files/ and the audited upload of one photo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile  # what request.form() yields

from smartgov import files
from smartgov.auth import audit, tokens
from smartgov.auth.principal import Principal
from smartgov.cases.models import SUBJECT, Case
from smartgov.config import get_settings
from smartgov.errors import AppError
from smartgov.files.models import FileLink, StoredFile

PHOTOS = files.FilePolicy(
    types=frozenset({"image/jpeg", "image/png", "image/webp"}),
    max_bytes=lambda: get_settings().max_upload_mb * 1024 * 1024,
    kinds=frozenset({"photo", "before", "after"}),
    what="照片",
)
PHOTO_KIND_LABELS = {"photo": "现场照片", "before": "处置前照片", "after": "处置后照片"}


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
    _audit_photo(session, case, att, kind, principal)
    return att


def _audit_photo(session: Session, case: Case, att: FileLink, kind: str, principal: Principal | None) -> None:
    audit.record(
        session,
        action="case.photo_uploaded",
        principal=principal,
        object_type="case",
        object_id=case.id,
        detail={"attachment_id": att.id, "filename": att.filename, "size": att.size,
                "content_type": att.content_type, "kind": kind},
    )


KEPT_PREFIX = "kept_"  # hidden field kept_<field> holds the tokens of photos chosen in <field>


@dataclass(frozen=True)
class KeptPhoto:
    """A photo chosen on a form that was shown again (暂存照片): stored, not yet linked to a case."""

    token: str
    file_id: int
    kind: str
    filename: str


def keep_photo(session: Session, content: bytes, filename: str, kind: str, principal: Principal) -> KeptPhoto:
    """Store a chosen photo once and return it with a signed token for a hidden field (caller
    commits); it is linked to a case only when the form finally succeeds."""
    stored = files.store(session, policy=PHOTOS, content=content, filename=filename, kind=kind,
                         uploaded_by_id=principal.user_id)
    name = (filename or stored.filename)[:200]
    token = tokens.sign(f"{stored.id}:{kind}:{principal.user_id or 0}:{name}")
    return KeptPhoto(token, stored.id, kind, name)


def kept_photo(token: str, principal: Principal) -> KeptPhoto | None:
    """The kept photo a token names; None when the token was altered or is another person's."""
    value = tokens.unsign(token)
    parts = value.split(":", 3) if value else []
    if len(parts) != 4 or not parts[0].isdigit() or parts[1] not in PHOTOS.kinds:
        return None
    if parts[2] != str(principal.user_id or 0):
        return None
    return KeptPhoto(token, int(parts[0]), parts[1], parts[3])


def _kept_in_form(form: Any, field: str, principal: Principal) -> list[KeptPhoto]:
    found = (kept_photo(t, principal) for t in form.getlist(KEPT_PREFIX + field) if isinstance(t, str))
    return [k for k in found if k is not None]


def _chosen(form: Any, field: str) -> list[UploadFile]:
    return [u for u in form.getlist(field) if isinstance(u, UploadFile) and u.filename]


async def hold_photos(
    session: Session, form: Any, fields: Mapping[str, str], principal: Principal
) -> tuple[dict[str, list[KeptPhoto]], list[str]]:
    """For a form shown again after an error: the photos of each field (``fields`` maps a form
    field to its photo kind), those kept before and those just chosen, and the problems of
    photos refused. Each stored photo is committed at once, so a later error keeps it."""
    held: dict[str, list[KeptPhoto]] = {}
    problems: list[str] = []
    for field, kind in fields.items():
        held[field] = _kept_in_form(form, field, principal)
        for upload in _chosen(form, field):
            try:
                held[field].append(keep_photo(session, await upload.read(), upload.filename or "", kind,
                                              principal))
                session.commit()
            except AppError as exc:
                session.rollback()
                problems.append(f"{upload.filename}：{exc.message}")
    return held, problems


async def attach_photos(
    session: Session, case: Case, form: Any, fields: Mapping[str, str], principal: Principal
) -> list[str]:
    """The photos of a form that succeeded, linked to its new case: those kept while the form
    was shown again and those chosen now, each committed on its own; the problems, if any."""
    problems: list[str] = []
    for field, kind in fields.items():
        for kept in _kept_in_form(form, field, principal):
            stored = session.get(StoredFile, kept.file_id)
            if stored is None:
                continue
            att = files.link(session, file=stored, subject_type=SUBJECT, subject_id=case.id,
                             kind=kind, filename=kept.filename)
            _audit_photo(session, case, att, kind, principal)
            session.commit()
        for upload in _chosen(form, field):
            try:
                save_attachment(session, case, await upload.read(), upload.filename or "", kind=kind,
                                principal=principal)
                session.commit()
            except AppError as exc:
                session.rollback()
                problems.append(f"{upload.filename}：{exc.message}")
    return problems


def case_photos(session: Session, case_id: int) -> Sequence[FileLink]:
    return files.links_of(session, SUBJECT, case_id)


def case_photo(session: Session, case_id: int, photo_id: int) -> FileLink:
    return files.get_link(session, photo_id, subject_type=SUBJECT, subject_id=case_id)
