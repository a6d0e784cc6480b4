"""群众注册 with an SMS code: sent through the outbox, hashed at rest, expiring, limited tries,
rate-limited per phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smartgov.auth import codes, service
from smartgov.auth.models import OneTimeCode
from smartgov.errors import ValidationFailed
from smartgov.inbox.models import OutboxMessage
from tests.auth.conftest import csrf_from, sms_code

PHONE = "13700001111"


def _register(session, code: str):  # type: ignore[no-untyped-def]
    return service.register_citizen(session, phone=PHONE, code=code, password="Citizen-Pass1",
                                    display_name="张三")


def test_the_code_goes_through_the_outbox_and_only_its_hash_is_kept(session) -> None:  # type: ignore[no-untyped-def]
    service.send_registration_code(session, PHONE)
    session.commit()
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == PHONE))
    assert message is not None and message.channel == "sms" and "注册验证码" in message.body
    code = sms_code(session, PHONE)
    row = session.scalar(select(OneTimeCode).where(OneTimeCode.recipient == PHONE))
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert _register(session, code).phone == PHONE


def test_a_wrong_code_is_counted_and_the_limit_kills_the_code(session) -> None:  # type: ignore[no-untyped-def]
    service.send_registration_code(session, PHONE)
    session.commit()
    code = sms_code(session, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationFailed) as err:
            _register(session, wrong)
        session.rollback()  # as the page does: the attempt is kept all the same
        assert err.value.code == "wrong_code" and f"还可尝试 {left} 次" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        _register(session, wrong)
    assert err.value.code == "code_exhausted"
    with pytest.raises(ValidationFailed) as err:
        _register(session, code)  # the right code, too late
    assert err.value.code == "code_exhausted"


@pytest.mark.parametrize(("age", "accepted"), [
    (timedelta(minutes=10) - timedelta(seconds=1), True),
    (timedelta(minutes=10), False),
])
def test_a_code_expires_after_ten_minutes(session, clock, age, accepted) -> None:  # type: ignore[no-untyped-def]
    service.send_registration_code(session, PHONE)
    session.commit()
    code = sms_code(session, PHONE)
    clock.at += age
    if accepted:
        assert _register(session, code).phone == PHONE
    else:
        with pytest.raises(ValidationFailed) as err:
            _register(session, code)
        assert err.value.code == "code_expired"


def test_a_phone_may_ask_once_a_minute_and_five_times_an_hour(session, clock) -> None:  # type: ignore[no-untyped-def]
    service.send_registration_code(session, PHONE)
    session.commit()
    clock.at += timedelta(seconds=59)
    with pytest.raises(codes.TooManyCodes) as err:
        service.send_registration_code(session, PHONE)
    assert err.value.status_code == 429 and "秒后再试" in err.value.message
    session.rollback()
    for _ in range(4):  # the 2nd … 5th within the hour
        clock.at += timedelta(seconds=61)
        service.send_registration_code(session, PHONE)
        session.commit()
    clock.at += timedelta(seconds=61)
    with pytest.raises(codes.TooManyCodes) as err:
        service.send_registration_code(session, PHONE)
    assert "一小时内最多" in err.value.message
    session.rollback()
    service.send_registration_code(session, "13700002222")  # another phone is not limited


def test_a_new_code_replaces_the_old_one(session, clock) -> None:  # type: ignore[no-untyped-def]
    service.send_registration_code(session, PHONE)
    session.commit()
    first = sms_code(session, PHONE)
    clock.at += timedelta(seconds=61)
    service.send_registration_code(session, PHONE)
    session.commit()
    second = sms_code(session, PHONE)
    if first != second:
        with pytest.raises(ValidationFailed):
            _register(session, first)
        session.rollback()
    assert _register(session, second).phone == PHONE


def test_registration_page_asks_for_the_code(client, session) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/register").text)
    without = client.post("/register", data={
        "display_name": "张三", "phone": PHONE, "password": "Citizen-Pass1",
        "password2": "Citizen-Pass1", "code": "", "csrf_token": token})
    assert without.status_code == 422 and "请先获取短信验证码" in without.text
    sent = client.post("/register/code", data={"display_name": "张三", "phone": PHONE,
                                               "csrf_token": token})
    assert sent.status_code == 200 and "验证码已发送至 137****1111" in sent.text
    again = client.post("/register/code", data={"phone": PHONE, "csrf_token": token})
    assert again.status_code == 429 and "秒后再试" in again.text
    done = client.post("/register", data={
        "display_name": "张三", "phone": PHONE, "password": "Citizen-Pass1",
        "password2": "Citizen-Pass1", "code": sms_code(session, PHONE), "csrf_token": token},
        follow_redirects=False)
    assert done.status_code == 303
