"""The outbox (待发消息): a message sent through the job engine by the configured sender, retried,
then 发送失败 with its error."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import smartgov.inbox.jobs  # noqa: F401  (registers inbox.deliver, as domains.JOB_MODULES does)
from smartgov import inbox, jobs
from smartgov.config import get_settings
from smartgov.errors import ValidationFailed
from smartgov.inbox import senders
from smartgov.inbox.models import OutboxMessage
from tests.jobs.conftest import make_due, no_inline  # noqa: F401  (a fixture)

SENT: list[tuple[str, str, str | None]] = []


class RecordingSender:
    """A test sender that keeps what it was asked to send."""

    def send(self, recipient: str, body: str, subject: str | None = None) -> None:
        SENT.append((recipient, body, subject))


class BrokenGateway:
    """A test sender whose gateway is always down."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, recipient: str, body: str, subject: str | None = None) -> None:
        raise ConnectionError(f"{self.channel} gateway down")


def _use_sender(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr(get_settings(), "inbox_sender", value)


def _reload(session: Session, message: OutboxMessage) -> OutboxMessage:
    session.expire_all()
    return session.get(OutboxMessage, message.id)


def test_a_message_is_sent_by_the_logging_sender_after_the_commit(
        session: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="smartgov.inbox")
    message = inbox.send(session, channel="sms", recipient=" 13900001111 ", body="您的玩具已修好",
                         subject_type="toy", subject_id=7)
    assert (message.status, message.attempts, message.recipient) == ("pending", 0, "13900001111")
    session.commit()  # inline in the tests: the delivery job runs right after the commit
    sent = _reload(session, message)
    assert (sent.status, sent.attempts, sent.error) == ("sent", 1, None)
    assert sent.sent_at is not None and inbox.OUTBOX_STATUS_LABELS[sent.status] == "已发送"
    assert "13900001111" in caplog.text and "您的玩具已修好" in caplog.text


def test_a_rolled_back_change_sends_nothing(session: Session) -> None:
    inbox.send(session, channel="email", recipient="a@example.org", body="x")
    session.rollback()
    assert session.query(OutboxMessage).count() == 0


def test_the_configured_sender_gets_recipient_body_and_subject(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _use_sender(monkeypatch, f"{__name__}:RecordingSender")
    SENT.clear()
    message = inbox.send(session, channel="email", recipient="ann@example.org", body="正文",
                         title="玩具维修通知")
    session.commit()
    assert SENT == [("ann@example.org", "正文", "玩具维修通知")]
    assert _reload(session, message).status == "sent"


def test_a_sender_per_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    _use_sender(monkeypatch, f"sms={__name__}:BrokenGateway")
    assert isinstance(senders.sender_for("sms"), BrokenGateway)
    assert isinstance(senders.sender_for("email"), senders.LoggingSender)
    assert isinstance(senders.sender_for("sms"), senders.Sender)


def test_a_failing_sender_is_retried_then_the_message_failed_with_its_error(
        session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch, no_inline: None) -> None:  # noqa: F811
    _use_sender(monkeypatch, f"{__name__}:BrokenGateway")
    message = inbox.send(session, channel="sms", recipient="13900002222", body="您的玩具已修好")
    session.commit()
    for attempt in range(1, inbox.service.DELIVERY_RETRIES + 1):
        assert jobs.run_pending() == 1
        waiting = _reload(session, message)
        assert (waiting.status, waiting.attempts) == ("pending", attempt)
        assert waiting.error == "ConnectionError: sms gateway down"
        make_due(engine)
    assert jobs.run_pending() == 1  # the last of 1 + 5 runs
    failed = _reload(session, message)
    assert (failed.status, failed.attempts, failed.sent_at) == ("failed", 6, None)
    assert failed.error == "ConnectionError: sms gateway down"
    assert inbox.OUTBOX_STATUS_LABELS[failed.status] == "发送失败"
    make_due(engine)
    assert jobs.run_pending() == 0


def test_a_message_needs_a_known_channel_and_a_recipient(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="未知的发送渠道"):
        inbox.send(session, channel="pigeon", recipient="x", body="y")
    with pytest.raises(ValidationFailed, match="收件人不能为空"):
        inbox.send(session, channel="sms", recipient="  ", body="y")
