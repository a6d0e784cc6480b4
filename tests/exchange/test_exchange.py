"""Requests, field-level grants, masking, the 5-working-day answer and the hash-chained log."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update

from smartgov.auth.service import principal_for
from smartgov.config import get_settings
from smartgov.errors import AppError, Forbidden, ValidationFailed
from smartgov.exchange import service
from smartgov.exchange.models import LogEntry
from smartgov.inbox.models import Notification
from smartgov.workclock import sweeper
from tests.exchange.conftest import ELDER, OTHER, XWorld
from tests.factories import UserFactory, registry_resource

FIELDS = ["name", "phone", "tags"]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=get_settings().tz)


def _approved(x: XWorld, fields: list[str] = FIELDS, plain: list[str] | None = None) -> None:
    req = service.submit_request(
        x.session,
        x.p("civil"),
        resource_id=x.resource.id,
        purpose="独居老人关爱走访",
        legal_basis="《老年人权益保障法》",
        fields=fields,
        duration_days=30,
        plain_fields=plain,
    )
    service.act(x.session, x.p("police"), req.id, "approve")


def test_nothing_is_readable_without_a_grant_and_the_refusal_is_logged(xworld: XWorld) -> None:
    reader = service.reader_for(xworld.p("civil"))
    with pytest.raises(Forbidden):
        service.read_resource(xworld.session, reader, "RK-DJLR")
    entry = xworld.session.scalars(select(LogEntry)).one()
    assert (entry.result, entry.fields, entry.resource_code) == ("denied", "", "RK-DJLR")


def test_conditional_request_waits_for_the_provider_with_a_5_working_day_clock(xworld: XWorld) -> None:
    # Monday 2026-09-28 10:00; working days count from the next day; 国庆 holidays 10-01..10-07 and
    # Saturday 10-10 a working day (调休): 09-29, 09-30, 10-08, 10-09, 10-10 → due 10-10 at 17:30.
    req = service.submit_request(
        xworld.session,
        xworld.p("civil"),
        resource_id=xworld.resource.id,
        purpose="关爱走访",
        legal_basis="法定职责",
        fields=FIELDS,
        duration_days=30,
        at=_at("2026-09-28T10:00:00"),
    )
    assert req.status == "pending"
    assert req.due_at == _at("2026-10-10T17:30:00")
    notes = xworld.session.scalars(select(Notification.department_id)).all()
    assert notes == [xworld.police.id]
    reader = service.reader_for(xworld.p("civil"))
    with pytest.raises(Forbidden):
        service.read_resource(xworld.session, reader, "RK-DJLR")


def test_sweep_reminds_then_flags_overdue(xworld: XWorld) -> None:
    req = service.submit_request(
        xworld.session,
        xworld.p("civil"),
        resource_id=xworld.resource.id,
        purpose="关爱走访",
        legal_basis="法定职责",
        fields=FIELDS,
        duration_days=30,
        at=_at("2026-09-28T10:00:00"),
    )
    sweeper.sweep(xworld.session, _at("2026-09-30T17:00:00"))  # under 2 of 5 days used: no warning yet
    xworld.session.refresh(req)
    assert req.warning_level == 0
    sweeper.sweep(xworld.session, _at("2026-10-10T09:00:00"))  # 4 days and a half hour: past 80 %
    xworld.session.refresh(req)
    assert req.warning_level == 2
    sweeper.sweep(xworld.session, _at("2026-10-12T09:00:00"))
    xworld.session.refresh(req)
    assert req.warning_level == 3
    kinds = xworld.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["exchange_request", "exchange_reminder", "exchange_overdue", "exchange_overdue"]
    overdue = service.requests_for(xworld.session, xworld.p("police"), role="overdue")
    assert [r.id for r in overdue] == [req.id]


def test_refusal_needs_reasons_and_only_the_provider_answers(xworld: XWorld) -> None:
    req = service.submit_request(
        xworld.session,
        xworld.p("civil"),
        resource_id=xworld.resource.id,
        purpose="关爱走访",
        legal_basis="法定职责",
        fields=FIELDS,
        duration_days=30,
    )
    with pytest.raises(AppError) as caught:
        service.act(xworld.session, xworld.p("civil"), req.id, "approve")
    assert caught.value.status_code == 403
    with pytest.raises(ValidationFailed):
        service.act(xworld.session, xworld.p("police"), req.id, "refuse", note=" ")
    done = service.act(xworld.session, xworld.p("police"), req.id, "refuse", note="超出法定职责范围")
    assert (done.status, done.reason) == ("refused", "超出法定职责范围")


def test_a_field_outside_the_grant_never_appears(xworld: XWorld) -> None:
    _approved(xworld)
    data = service.read_resource(xworld.session, service.reader_for(xworld.p("civil")), "RK-DJLR")
    assert [f["name"] for f in data["fields"]] == FIELDS
    [record] = data["records"]  # the view holds only the 独居老人
    assert set(record) == set(FIELDS)
    assert "id_number" not in record and "current_address" not in record


def test_personal_fields_are_masked_unless_the_grant_names_them(xworld: XWorld) -> None:
    _approved(xworld, plain=["name"])
    [record] = service.read_resource(xworld.session, service.reader_for(xworld.p("civil")), "RK-DJLR")[
        "records"
    ]
    assert record == {"name": "王芳", "phone": "138****5678", "tags": ["独居老人"]}


def test_grant_expires(xworld: XWorld) -> None:
    _approved(xworld)
    reader = service.reader_for(xworld.p("civil"))
    later = service.now().replace(year=service.now().year + 1)
    with pytest.raises(Forbidden):
        service.read_resource(xworld.session, reader, "RK-DJLR", at=later)


def test_unconditional_resource_is_granted_at_once_and_the_provider_told(xworld: XWorld) -> None:
    open_res = registry_resource(xworld.session, xworld.police, code="RK-OPEN", share_type="unconditional")
    req = service.submit_request(
        xworld.session,
        xworld.p("civil"),
        resource_id=open_res.id,
        purpose="核验",
        legal_basis="职责",
        fields=["gender"],
        duration_days=10,
    )
    assert req.status == "approved"
    record = service.read_person(
        xworld.session, service.reader_for(xworld.p("civil"), "service"), OTHER, resource_code="RK-OPEN"
    )
    assert record == {"gender": "男"}
    assert xworld.session.scalars(select(Notification.department_id)).all() == [xworld.police.id]


def test_service_prefill_reads_through_the_grant_and_is_logged(xworld: XWorld) -> None:
    _approved(xworld, fields=["name", "phone"], plain=["name", "phone"])
    reader = service.Reader(xworld.civil.id, "一网通办预填", "service")
    assert service.read_person(xworld.session, reader, ELDER, resource_code="RK-DJLR") == {
        "name": "王芳",
        "phone": "13812345678",
    }
    assert service.read_person(xworld.session, reader, OTHER, resource_code="RK-DJLR") is None  # not in view
    entries = xworld.session.scalars(select(LogEntry).order_by(LogEntry.seq)).all()
    assert [(e.channel, e.record_keys, e.result) for e in entries] == [
        ("service", ELDER, "ok"),
        ("service", "", "not_found"),
    ]


def test_log_chain_verifies_and_a_changed_entry_is_detected(xworld: XWorld) -> None:
    _approved(xworld)
    reader = service.reader_for(xworld.p("civil"))
    for _ in range(3):
        service.read_resource(xworld.session, reader, "RK-DJLR")
    assert service.verify_log(xworld.session) == service.ChainCheck(ok=True, checked=3)
    xworld.session.execute(update(LogEntry).where(LogEntry.seq == 2).values(record_keys="110101199001011234"))
    xworld.session.commit()
    check = service.verify_log(xworld.session)
    assert (check.ok, check.broken_at, check.checked) == (False, 2, 1)


def test_a_removed_entry_is_detected(xworld: XWorld) -> None:
    _approved(xworld)
    reader = service.reader_for(xworld.p("civil"))
    for _ in range(3):
        service.read_resource(xworld.session, reader, "RK-DJLR")
    xworld.session.execute(LogEntry.__table__.delete().where(LogEntry.seq == 2))
    xworld.session.commit()
    check = service.verify_log(xworld.session)
    assert (check.ok, check.broken_at) == (False, 3)


def test_rate_limit_per_consumer(xworld: XWorld) -> None:
    _approved(xworld)
    reader = service.Reader(xworld.civil.id, "key", "api", per_minute=2)
    service.read_resource(xworld.session, reader, "RK-DJLR")
    service.read_resource(xworld.session, reader, "RK-DJLR")
    with pytest.raises(service.RateLimited):
        service.read_resource(xworld.session, reader, "RK-DJLR")


def test_log_search_is_for_the_audit_administrator_and_a_department_sees_its_own(xworld: XWorld) -> None:
    _approved(xworld)
    service.read_resource(xworld.session, service.reader_for(xworld.p("civil")), "RK-DJLR")
    rows, total = service.search_log(xworld.session, xworld.p("auditor"), record_key=ELDER)
    assert total == 1 and rows[0].record_keys == ELDER
    assert service.search_log(xworld.session, xworld.p("police"))[1] == 0


def test_request_validation(xworld: XWorld) -> None:
    civil = xworld.p("civil")
    with pytest.raises(ValidationFailed):
        service.submit_request(
            xworld.session,
            civil,
            resource_id=xworld.resource.id,
            purpose="x",
            legal_basis="y",
            fields=["salary"],
            duration_days=30,
        )
    with pytest.raises(ValidationFailed):
        service.submit_request(
            xworld.session,
            civil,
            resource_id=xworld.resource.id,
            purpose="x",
            legal_basis="y",
            fields=["tags"],
            plain_fields=["tags"],
            duration_days=30,
        )
    with pytest.raises(ValidationFailed):
        service.submit_request(
            xworld.session,
            civil,
            resource_id=xworld.resource.id,
            purpose="x",
            legal_basis="y",
            fields=["tags"],
            duration_days=0,
        )
    with pytest.raises(ValidationFailed):
        service.submit_request(
            xworld.session,
            xworld.p("police"),
            resource_id=xworld.resource.id,
            purpose="x",
            legal_basis="y",
            fields=["tags"],
            duration_days=3,
        )


def test_dcat_export_describes_each_resource(xworld: XWorld) -> None:
    doc = service.dcat_catalogue(xworld.session, "http://example.test")
    assert doc["@type"] == "dcat:Catalog"
    [ds] = doc["dcat:dataset"]
    assert ds["dct:identifier"] == "RK-DJLR"
    assert ds["dct:publisher"]["foaf:name"] == "公安分局"
    assert ds["dct:accessRights"] == "有条件共享"
    assert "联系电话" in ds["dcat:keyword"]
    assert ds["dcat:distribution"][0]["dcat:accessURL"]["@id"].endswith(
        "/api/v1/exchange/resources/RK-DJLR/records"
    )


def test_the_provider_reads_its_own_resource_masked_unless_the_role_needs_personal_data(
        xworld: XWorld) -> None:
    officer = service.reader_for(xworld.p("police"))  # 处置人员: personal data masked
    [record] = service.read_resource(xworld.session, officer, "RK-DJLR", key=ELDER)["records"]
    assert record["phone"] == "138****5678" and record["name"] != "王芳"
    chief = UserFactory(username="police_chief", roles=["duty_chief"], department=xworld.police)
    reader = service.reader_for(principal_for(chief, "127.0.0.1", "test", session=xworld.session))
    [record] = service.read_resource(xworld.session, reader, "RK-DJLR", key=ELDER)["records"]
    assert (record["name"], record["phone"]) == ("王芳", "13812345678")
