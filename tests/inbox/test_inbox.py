"""消息中心 on its own: notifications to people and departments, unread counts, mark read, the page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from smartgov import inbox
from smartgov.errors import NotFound
from smartgov.inbox.models import Notification
from tests.auth.conftest import web_login
from tests.inbox.conftest import People


def test_notify_a_person_and_a_department(people: People) -> None:
    s = people.session
    to_ann = inbox.notify(s, kind="toy_broken", message="1 号玩具坏了", user_id=people.ann.id,
                          subject_type="toy", subject_id=1)
    to_roads = inbox.notify(s, kind="toy_broken", message="2 号玩具坏了", department_id=people.roads.id,
                            subject_type="toy", subject_id=2)
    s.commit()
    assert (to_ann.user_id, to_ann.department_id, to_ann.read_at) == (people.ann.id, None, None)
    assert (to_roads.user_id, to_roads.department_id) == (None, people.roads.id)
    assert inbox.subject_link(to_roads.subject_type, to_roads.subject_id) == "/toys/2"
    assert inbox.kind_label("toy_broken") == "玩具损坏"
    assert inbox.kind_label("never_registered") == "never_registered"
    with pytest.raises(ValueError):
        inbox.notify(s, kind="toy_broken", message="无人可收")


def test_unread_counts_per_person_include_their_department(people: People) -> None:
    s = people.session
    inbox.notify(s, kind="toy_broken", message="给 ann", user_id=people.ann.id,
                 subject_type="toy", subject_id=1)
    inbox.notify(s, kind="toy_broken", message="给道路科", department_id=people.roads.id)
    inbox.notify(s, kind="toy_broken", message="给园林科", department_id=people.parks.id)
    inbox.notify(s, kind="toy_broken", message="给群众", user_id=people.citizen.id)
    s.commit()
    counts = {u.username: inbox.unread_count(s, people.p(u))
              for u in (people.ann, people.bob, people.cai, people.citizen)}
    assert counts == {"ann": 2, "bob": 1, "cai": 1, "citizen": 1}
    assert [n.message for n in inbox.messages_for(s, people.p(people.ann))] == ["给道路科", "给 ann"]


def test_unread_count_is_one_query(people: People) -> None:
    s = people.session
    inbox.notify(s, kind="toy_broken", message="x", department_id=people.roads.id)
    s.commit()
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(s.get_bind(), "before_cursor_execute", listen)
    try:
        assert inbox.unread_count(s, people.p(people.bob)) == 1
    finally:
        event.remove(s.get_bind(), "before_cursor_execute", listen)
    assert len(statements) == 1 and "count(" in statements[0].lower()


def test_mark_read_and_mark_all_read(people: People) -> None:
    s = people.session
    mine = inbox.notify(s, kind="toy_broken", message="给 ann", user_id=people.ann.id)
    shared = inbox.notify(s, kind="toy_broken", message="给道路科", department_id=people.roads.id)
    other = inbox.notify(s, kind="toy_broken", message="给园林科", department_id=people.parks.id)
    s.commit()
    ann, bob, cai = people.p(people.ann), people.p(people.bob), people.p(people.cai)
    inbox.mark_read(s, ann, mine.id)
    s.commit()
    assert (inbox.unread_count(s, ann), inbox.unread_count(s, bob)) == (1, 1)
    with pytest.raises(NotFound):
        inbox.mark_read(s, ann, other.id)  # not hers: as if it did not exist
    inbox.mark_read(s, bob, shared.id)  # a department message is read for the department
    s.commit()
    assert (inbox.unread_count(s, ann), inbox.unread_count(s, bob)) == (0, 0)
    assert inbox.unread_count(s, cai) == 1
    assert inbox.mark_all_read(s, cai) == 1
    s.commit()
    assert inbox.unread_count(s, cai) == 0
    assert s.scalar(select(Notification).where(Notification.id == other.id)).read_at is not None


def test_inbox_page_header_count_open_and_read_all(client: TestClient, people: People) -> None:
    s = people.session
    first = inbox.notify(s, kind="toy_broken", message="3 号玩具坏了", department_id=people.roads.id,
                         subject_type="toy", subject_id=3)
    inbox.notify(s, kind="toy_broken", message="没有主题的消息", user_id=people.ann.id)
    inbox.notify(s, kind="toy_broken", message="园林科的事", department_id=people.parks.id)
    s.commit()
    assert web_login(client, "ann")[0] == 303
    page = client.get("/inbox")
    assert page.status_code == 200
    assert 'data-testid="unread-count">2<' in page.text  # in the header of every page
    assert "玩具损坏" in page.text and "3 号玩具坏了" in page.text and "园林科的事" not in page.text
    assert f'href="/inbox/{first.id}"' in page.text
    opened = client.get(f"/inbox/{first.id}", follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/toys/3")
    assert 'data-testid="unread-count">1<' in client.get("/account").text
    from tests.auth.conftest import csrf_from

    token = csrf_from(client.get("/inbox").text)
    done = client.post("/inbox/read-all", data={"csrf_token": token}, follow_redirects=True)
    assert "已将 1 条消息标为已读" in done.text and 'data-testid="unread-count"' not in done.text
    assert client.get("/inbox/987654").status_code == 404


def test_citizens_have_an_inbox_too_and_anonymous_visitors_log_in(client: TestClient, people: People) -> None:
    inbox.notify(people.session, kind="toy_broken", message="您的玩具已修好", user_id=people.citizen.id)
    people.session.commit()
    assert client.get("/inbox", follow_redirects=False).status_code == 303  # to the login page
    web_login(client, "citizen")
    assert "您的玩具已修好" in client.get("/inbox").text


def test_the_json_api(client: TestClient, people: People) -> None:
    note = inbox.notify(people.session, kind="toy_broken", message="5 号", user_id=people.bob.id,
                        subject_type="toy", subject_id=5)
    people.session.commit()
    _, _, token = web_login(client, "bob")
    assert client.get("/api/v1/inbox/unread-count").json() == {"unread": 1}
    [row] = client.get("/api/v1/inbox").json()
    assert (row["kind_label"], row["link"], row["to_department"]) == ("玩具损坏", "/toys/5", False)
    read = client.post(f"/api/v1/inbox/{note.id}/read", headers={"X-CSRF-Token": token})
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get("/api/v1/inbox?unread=true").json() == []
    missing = client.post("/api/v1/inbox/987654/read", headers={"X-CSRF-Token": token})
    assert (missing.status_code, missing.json()["code"]) == (404, "notification_not_found")
