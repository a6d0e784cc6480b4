"""The case hub on the platform packages: photos through files/ with a timeline entry, messages
through inbox/ with Chinese labels and links, texts to callers through the outbox."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov import inbox
from smartgov.cases import service
from smartgov.cases.models import Case
from smartgov.cases.notices import INBOX_KINDS
from smartgov.files.models import FileLink
from smartgov.inbox.models import Notification
from tests.auth.conftest import csrf_from
from tests.cases.conftest import World
from tests.cases.test_pages import PNG, login
from tests.factories import report


def _report_back_with_photo(client: TestClient, world: World, case: Case, photo: tuple) -> str:
    """The handler reports back on the case page with a photo; where the page sends them next."""
    login(client, world, "handler_cg")
    page = client.get(f"/cases/{case.id}").text
    response = client.post(
        f"/cases/{case.id}/actions/report_back",
        data={"csrf_token": csrf_from(page), "version": str(case.version), "note": "已清理",
              "photo_kind": "after"},
        files={"photo": photo},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return unquote(response.headers["location"])



def test_a_photo_on_the_case_page_writes_a_timeline_entry_and_links_to_it(
        client: TestClient, world: World) -> None:
    case = report(world, "stall")  # 直派: with the city management department
    location = _report_back_with_photo(client, world, case, ("处置后.png", PNG, "image/png"))
    assert "未上传" not in location
    world.session.expire_all()
    [photo] = world.session.scalars(select(FileLink).where(FileLink.subject_id == case.id)).all()
    [entry] = [e for e in service.timeline_of(world.session, case.id) if e.action == "attach"]
    assert (photo.subject_type, photo.kind, photo.event_id) == ("case", "after", entry.id)
    assert entry.note == "上传照片 处置后.png"
    assert client.get(f"/cases/{case.id}/photos/{photo.id}").content == PNG


def test_a_refused_photo_leaves_no_timeline_entry(client: TestClient, world: World) -> None:
    case = report(world, "stall")
    location = _report_back_with_photo(client, world, case, ("x.jpg", b"not an image at all", "image/jpeg"))
    assert "照片未上传" in location
    world.session.expire_all()
    assert not [e for e in service.timeline_of(world.session, case.id) if e.action == "attach"]


def test_every_kind_of_case_message_has_a_chinese_label_and_leads_to_its_case(world: World) -> None:
    case = report(world, "stall")
    [note] = world.session.scalars(select(Notification).where(Notification.subject_id == case.id)).all()
    assert (note.subject_type, note.kind) == ("case", "dispatched")
    assert inbox.kind_label(note.kind) == "新派遣案件"
    assert inbox.subject_link(note.subject_type, note.subject_id) == f"/cases/{case.id}"
    assert {"dispatched", "assist", "rework", "reopen", "supervise", "remind", "warning", "overdue",
            "case_closed", "citizen_unsatisfied"} == set(INBOX_KINDS)
    assert all(inbox.kind_label(k) != k for k in INBOX_KINDS)
