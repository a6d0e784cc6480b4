"""The audit log is append-only in the database itself, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from smartgov.auth import audit
from smartgov.auth.models import AuditEntry
from smartgov.auth.principal import Principal
from smartgov.errors import Forbidden, NotAuthenticated
from tests.factories import UserFactory


def _one_entry(session) -> AuditEntry:  # type: ignore[no-untyped-def]
    entry = audit.record(session, action="login", actor_name="zhang", client_addr="10.0.0.1")
    session.commit()
    return entry


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET result = 'success'",
    "UPDATE audit_log SET actor_name = 'someone-else' WHERE id > 0",
    "DELETE FROM audit_log",
])
def test_sql_update_and_delete_are_refused(session, statement: str) -> None:  # type: ignore[no-untyped-def]
    _one_entry(session)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
        session.flush()
    session.rollback()
    assert session.query(AuditEntry).count() == 1


def test_orm_update_and_delete_are_refused(session) -> None:  # type: ignore[no-untyped-def]
    entry = _one_entry(session)
    entry.result = "failure"
    with pytest.raises(DBAPIError):
        session.commit()
    session.rollback()
    session.delete(session.get(AuditEntry, entry.id))
    with pytest.raises(DBAPIError):
        session.commit()
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(delete(AuditEntry).where(AuditEntry.id == entry.id))
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(update(AuditEntry).values(detail="x"))
    session.rollback()
    assert session.get(AuditEntry, entry.id).result == "success"


def test_record_with_principal_fills_actor_and_address(session) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["handler"])
    p = Principal(user=user, roles=frozenset({"handler"}), client_addr="10.9.9.9")
    entry = audit.record(session, action="case.dispatch", principal=p, object_type="case",
                         object_id=42, detail={"to": "城管局"})
    session.commit()
    assert (entry.actor_id, entry.actor_name, entry.client_addr) == (user.id, user.username,
                                                                     "10.9.9.9")
    assert entry.object_id == "42" and "城管局" in entry.detail


def test_search_filters(session) -> None:  # type: ignore[no-untyped-def]
    audit.record(session, action="login", actor_name="zhang", client_addr="10.0.0.1")
    audit.record(session, action="login", actor_name="li", result="failure", client_addr="10.0.1.2")
    audit.record(session, action="case.intake", actor_name="zhang", object_type="case",
                 object_id=7, client_addr="192.168.1.1")
    session.commit()

    def names(**kw) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        rows, total = audit.search(session, audit.AuditQuery(**kw))
        assert total == len(rows)
        return sorted((r.actor_name, r.action) for r in rows)

    assert names(actor="zha") == [("zhang", "case.intake"), ("zhang", "login")]
    assert names(action="case.") == [("zhang", "case.intake")]
    assert names(result="failure") == [("li", "login")]
    assert names(object_type="case", object_id="7") == [("zhang", "case.intake")]
    assert names(client_addr="10.0.") == [("li", "login"), ("zhang", "login")]
    assert names(date_to=date(2000, 1, 1)) == []
    rows, total = audit.search(session, audit.AuditQuery(), page=2, per_page=2)
    assert total == 3 and len(rows) == 1


def test_search_as_requires_audit_admin(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAuthenticated):
        audit.search_as(session, Principal(), audit.AuditQuery())
    sysadmin = UserFactory(roles=["system_admin"])
    with pytest.raises(Forbidden):
        audit.search_as(session, Principal(user=sysadmin, roles=frozenset({"system_admin"})),
                        audit.AuditQuery())
    auditor = UserFactory(roles=["audit_admin"])
    rows, total = audit.search_as(
        session, Principal(user=auditor, roles=frozenset({"audit_admin"})),
        audit.AuditQuery(action="audit_viewed"))
    assert total == 1 and rows[0].result == "denied"  # the denied attempt is in the log


def test_actions_and_details_read_as_chinese() -> None:
    audit.register_labels({"test.reopen": "重新办理"}, fields={"from": "原状态"},
                          values={"from": {"closed": "已结案"}}, objects={"test_thing": "测试对象"})
    assert audit.action_label("test.reopen") == "重新办理"
    assert audit.action_label("login") == "登录"
    assert audit.action_label("never.registered") == "其他操作"
    assert audit.object_label("test_thing") == "测试对象"
    assert audit.detail_text('{"reason": "wrong_password", "via": "web"}') == "原因：密码错误；方式：网页登录"
    assert audit.detail_text('{"from": "closed", "owner_activates": true, "roles": []}') == (
        "原状态：已结案；由本人设置密码：是；角色：无")
    assert audit.detail_text('{"locked_until": "2026-03-02T01:00:00+00:00"}') == "锁定至：2026-03-02 09:00:00"
    assert audit.detail_text("您的角色不能执行「重办」") == "您的角色不能执行「重办」"
    assert audit.detail_text(None) == ""


def test_case_actions_have_their_workflow_labels() -> None:
    import smartgov.cases.presenters  # noqa: F401  (the cases domain registers its words)

    assert audit.action_label("case.reopen") == "重办"
    assert audit.action_label("case.intake") == "案件受理"
    assert audit.detail_text('{"from": "closed", "to": "handling"}') == "原状态：已结案；新状态：处置中"


def test_audit_page_shows_labels_not_codes(client, session) -> None:  # type: ignore[no-untyped-def]
    from smartgov.auth import service
    from tests.auth.conftest import web_login

    UserFactory(roles=["audit_admin"], username="auditor")
    UserFactory(roles=["handler"], username="zhang")
    session.commit()
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, "zhang", "Wrong-Pass1", "10.0.0.8")
    web_login(client, "auditor")
    page = client.get("/admin/audit?actor=zhang").text
    assert "原因：密码错误；方式：网页登录" in page
    assert "wrong_password" not in page and "{&#34;reason" not in page and '{"reason' not in page
