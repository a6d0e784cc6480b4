"""文件 on its own: content sniffing, size limits at the boundary, per-domain types, each content
stored once, links of two subjects (a toy subject type of no domain)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov import files
from smartgov.errors import ValidationFailed
from smartgov.files.models import FileLink, StoredFile
from tests.factories import UserFactory

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4a90000000049454e44ae426082")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 40 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 28
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

TOY_PHOTOS = files.FilePolicy(types=frozenset({"image/jpeg", "image/png"}), max_bytes=len(PNG),
                              kinds=frozenset({"photo", "before"}), what="照片")
TOY_PAPERS = files.FilePolicy(types=frozenset({"application/pdf"}), max_bytes=1024, what="材料")


def test_the_type_comes_from_the_content_not_the_name() -> None:
    assert files.sniff(PNG) == "image/png"
    assert files.sniff(JPEG) == "image/jpeg"
    assert files.sniff(WEBP) == "image/webp"
    assert files.sniff(PDF) == "application/pdf"
    assert files.sniff(b"just some text, named photo.jpg") is None


def test_a_text_file_named_jpg_is_refused(session: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=1,
                     content=b"<html>not a photo</html>", filename="photo.jpg", kind="photo")
    assert refused.value.code == "unsupported_file_type"
    assert refused.value.message == "只能上传 JPEG、PNG 格式的照片"
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_the_size_limit_on_both_sides_of_the_boundary(session: Session) -> None:
    exactly = files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=1,
                           content=PNG, filename="a.png", kind="photo")
    assert exactly.size == TOY_PHOTOS.limit == len(PNG)
    with pytest.raises(ValidationFailed) as refused:
        files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=1,
                     content=PNG + b"\x00", filename="b.png", kind="photo")
    assert refused.value.code == "file_too_large" and refused.value.message.startswith("文件超过 ")
    with pytest.raises(ValidationFailed) as empty:
        files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=1,
                     content=b"", filename="c.png", kind="photo")
    assert empty.value.code == "empty_file"


def test_a_limit_read_from_the_settings_follows_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from smartgov.config import get_settings

    policy = files.FilePolicy(types=frozenset({"image/png"}),
                              max_bytes=lambda: get_settings().max_upload_mb * 1024 * 1024)
    monkeypatch.setattr(get_settings(), "max_upload_mb", 3)
    assert policy.limit == 3 * 1024 * 1024
    with pytest.raises(ValidationFailed, match="文件超过 3 MB"):
        policy.check(PNG + b"\x00" * policy.limit, "file")


def test_each_domain_allows_its_own_types_and_kinds(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="只能上传 PDF 格式的材料"):
        files.attach(session, policy=TOY_PAPERS, subject_type="toy", subject_id=1, content=PNG,
                     filename="x.png")
    paper = files.attach(session, policy=TOY_PAPERS, subject_type="toy", subject_id=1, content=PDF,
                         filename="申请书.pdf")
    assert (paper.content_type, paper.kind) == ("application/pdf", "file")
    with pytest.raises(ValidationFailed) as refused:
        files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=1, content=PNG,
                     filename="x.png", kind="after")
    assert refused.value.code == "bad_file_kind" and "未知的照片类型" in refused.value.message


def test_the_same_bytes_are_stored_once_and_linked_to_two_subjects(session: Session) -> None:
    uploader = UserFactory(roles=["handler"])
    first = files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=1, content=PNG,
                         filename="第一次.png", kind="photo", event_id=11, uploaded_by_id=uploader.id)
    again = files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=2, content=PNG,
                         filename="第二次.png", kind="before")
    other = files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=2, content=JPEG,
                         filename="c.jpg", kind="photo")
    session.commit()
    assert first.file_id == again.file_id != other.file_id
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 2
    stored = session.get(StoredFile, first.file_id)
    assert (stored.filename, stored.uploaded_by_id) == ("第一次.png", uploader.id)
    assert stored.content_type == "image/png"
    assert len(stored.sha256) == 64 and files.path_of(stored).read_bytes() == PNG
    assert [(x.filename, x.kind, x.event_id) for x in files.links_of(session, "toy", 1)] == [
        ("第一次.png", "photo", 11)]
    assert [x.filename for x in files.links_of(session, "toy", 2)] == ["第二次.png", "c.jpg"]
    assert [x.id for x in files.links_of(session, "toy", 2, kind="photo")] == [other.id]
    assert files.first_link_ids(session, "toy", [1, 2, 3], "photo") == {1: first.id, 2: other.id}
    assert session.scalar(select(func.count()).select_from(FileLink)) == 3


def test_a_link_is_found_only_through_its_own_subject(session: Session) -> None:
    from smartgov.errors import NotFound

    photo = files.attach(session, policy=TOY_PHOTOS, subject_type="toy", subject_id=1, content=PNG,
                         filename='x"; evil.html', kind="photo")
    assert files.get_link(session, photo.id, subject_type="toy", subject_id=1) is photo
    with pytest.raises(NotFound):
        files.get_link(session, photo.id, subject_type="toy", subject_id=2)
    with pytest.raises(NotFound):
        files.get_link(session, photo.id, subject_type="case", subject_id=1)
    assert files.download_name(photo) == "x_evil.png"
