"""Tables of 文件: stored files, one row per content, and their links to subjects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartgov.db import AwareDateTime, Base, now


class StoredFile(Base):
    """One stored content (存储文件) under var/uploads; the same bytes are stored once, never deleted.

    ``sha256`` is None only for a file moved from the old case attachments whose bytes were
    missing on disk when it was moved."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))  # the name it was first uploaded with
    stored_path: Mapped[str] = mapped_column(String(300))  # relative to the uploads folder
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class FileLink(Base):
    """A stored file attached to one subject (附件), e.g. a photo of case 42 taken after handling.

    ``event_id`` is the timeline entry the file came with (no foreign key: the timeline is
    another package's table)."""

    __tablename__ = "file_link"
    __table_args__ = (Index("ix_file_link_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="file")  # photo, before, after, file …
    event_id: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))  # the name this upload came with
    linked_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=now)

    file: Mapped[StoredFile] = relationship(lazy="joined")

    @property
    def size(self) -> int:
        return self.file.size

    @property
    def content_type(self) -> str:
        return self.file.content_type

    @property
    def stored_path(self) -> str:
        return self.file.stored_path
