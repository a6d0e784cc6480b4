"""文件's operations: store checked content once, link it to subjects, find and serve it.

Nothing is deleted and nothing here commits; the caller's transaction carries the rows.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smartgov.config import get_settings
from smartgov.db import now
from smartgov.errors import NotFound
from smartgov.files.models import FileLink, StoredFile
from smartgov.files.policy import TYPES, FilePolicy

_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def _write_once(relative: Path, content: bytes) -> None:
    """Write the bytes at their content address unless there already (atomic: no half files)."""
    target = get_settings().uploads_dir / relative
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _clean_name(filename: str) -> str:
    return Path(filename or "").name[:200] or "file"


def store(
    session: Session,
    *,
    policy: FilePolicy,
    content: bytes,
    filename: str,
    kind: str = "file",
    uploaded_by_id: int | None = None,
) -> StoredFile:
    """Check an upload against the domain's policy and store it (存储); the same bytes once."""
    content_type = policy.check(content, kind)
    digest = hashlib.sha256(content).hexdigest()
    known = session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    if known is not None:
        _write_once(Path(known.stored_path), content)  # its bytes may have been lost from disk
        return known
    relative = Path(digest[:2]) / f"{digest}{TYPES[content_type][0]}"
    _write_once(relative, content)
    values = {
        "sha256": digest,
        "filename": _clean_name(filename),
        "stored_path": relative.as_posix(),
        "content_type": content_type,
        "size": len(content),
        "uploaded_at": now(),
        "uploaded_by_id": uploaded_by_id,
    }
    # another upload of the same bytes may be committing now: its row wins, ours is skipped
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(StoredFile).values(values).on_conflict_do_nothing(index_elements=["sha256"]))
    return session.scalars(select(StoredFile).where(StoredFile.sha256 == digest)).one()


def link(
    session: Session,
    *,
    file: StoredFile,
    subject_type: str,
    subject_id: int,
    kind: str = "file",
    filename: str | None = None,
    event_id: int | None = None,
) -> FileLink:
    """Attach a stored file to a subject (关联), optionally with the timeline entry it came with."""
    attached = FileLink(
        file=file,
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        filename=_clean_name(filename) if filename else file.filename,
        event_id=event_id,
        linked_at=now(),
    )
    session.add(attached)
    session.flush()
    return attached


def attach(
    session: Session,
    *,
    policy: FilePolicy,
    subject_type: str,
    subject_id: int,
    content: bytes,
    filename: str,
    kind: str = "file",
    event_id: int | None = None,
    uploaded_by_id: int | None = None,
) -> FileLink:
    """Store an upload (checked by the policy) and link it to a subject: the usual upload (上传附件)."""
    stored = store(session, policy=policy, content=content, filename=filename, kind=kind,
                   uploaded_by_id=uploaded_by_id)
    return link(session, file=stored, subject_type=subject_type, subject_id=subject_id, kind=kind,
                filename=filename, event_id=event_id)


def links_of(
    session: Session, subject_type: str, subject_id: int, kind: str | None = None
) -> Sequence[FileLink]:
    """The files of one subject in the order they were linked."""
    stmt = select(FileLink).where(FileLink.subject_type == subject_type, FileLink.subject_id == subject_id)
    if kind is not None:
        stmt = stmt.where(FileLink.kind == kind)
    return session.scalars(stmt.order_by(FileLink.id)).all()


def first_link_ids(
    session: Session, subject_type: str, subject_ids: Iterable[int], kind: str
) -> dict[int, int]:
    """The first link of ``kind`` of each subject, for a page of subjects in one query."""
    ids = list(subject_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(FileLink.subject_id, func.min(FileLink.id))
        .where(FileLink.subject_type == subject_type, FileLink.subject_id.in_(ids), FileLink.kind == kind)
        .group_by(FileLink.subject_id)
    )
    return {subject_id: link_id for subject_id, link_id in rows}


def get_link(session: Session, link_id: int, *, subject_type: str, subject_id: int) -> FileLink:
    """One file of one subject; NotFound when the id belongs to another subject."""
    found = session.get(FileLink, link_id)
    if found is None or (found.subject_type, found.subject_id) != (subject_type, subject_id):
        raise NotFound("文件不存在", code="file_not_found")
    return found


def path_of(item: FileLink | StoredFile) -> Path:
    """Where the bytes are on disk."""
    return get_settings().uploads_dir / item.stored_path


def download_name(item: FileLink) -> str:
    """A file name safe for a Content-Disposition header: letters, digits, ``.``, ``-`` and ``_``
    only, and the suffix of the stored type (a photo named ``x.html`` is served as ``x.png``)."""
    stem = _UNSAFE_NAME.sub("_", Path(item.filename).stem).strip("._")[:100] or "file"
    return stem + Path(item.stored_path).suffix
