"""Photos attached to cases: checked for type (by content, not name) and size, stored under var/."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.cases.models import Attachment, Case
from smartgov.config import get_settings
from smartgov.db import now
from smartgov.errors import ValidationFailed

IMAGE_SIGNATURES: dict[bytes, tuple[str, str]] = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"GIF87a": ("image/gif", ".gif"),
    b"GIF89a": ("image/gif", ".gif"),
}
KINDS = {"photo", "before", "after"}
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def sniff_image(content: bytes) -> tuple[str, str]:
    """The image type from its first bytes; refuse anything that is not JPEG, PNG, GIF or WebP."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", ".webp"
    for signature, kind in IMAGE_SIGNATURES.items():
        if content.startswith(signature):
            return kind
    raise ValidationFailed("只能上传 JPEG、PNG、GIF 或 WebP 图片", code="unsupported_file_type")


def save_attachment(
    session: Session,
    case: Case,
    content: bytes,
    filename: str,
    kind: str = "photo",
    event_id: int | None = None,
    principal: Principal | None = None,
) -> Attachment:
    """Check and store one photo of ``case``; audited as ``case.photo_uploaded`` (caller commits)."""
    settings = get_settings()
    if kind not in KINDS:
        raise ValidationFailed(f"未知的照片类型: {kind}", code="bad_photo_kind")
    if not content:
        raise ValidationFailed("文件为空", code="empty_file")
    if len(content) > settings.max_upload_mb * 1024 * 1024:
        raise ValidationFailed(f"文件超过 {settings.max_upload_mb} MB", code="file_too_large")
    content_type, suffix = sniff_image(content)
    digest = hashlib.sha256(content).hexdigest()
    relative = Path(f"{now():%Y/%m}") / f"{digest[:32]}{suffix}"
    target = settings.uploads_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(content)
    att = Attachment(
        case_id=case.id,
        event_id=event_id,
        kind=kind,
        filename=Path(filename).name[:200] or "photo",
        stored_path=str(relative),
        content_type=content_type,
        size=len(content),
        uploaded_at=now(),
    )
    session.add(att)
    session.flush()
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


def attachment_path(att: Attachment) -> Path:
    return get_settings().uploads_dir / att.stored_path


def download_name(att: Attachment) -> str:
    """A file name safe for a Content-Disposition header: letters, digits, ``.``, ``-`` and ``_``
    only, and the suffix of the stored type (a photo named ``x.html`` is served as ``x.png``)."""
    stem = _UNSAFE_NAME.sub("_", Path(att.filename).stem).strip("._")[:100] or "photo"
    return stem + Path(att.stored_path).suffix
