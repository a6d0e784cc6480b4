"""Delivery of outbox messages (消息发送) as a durable job, retried when the sender fails."""

from __future__ import annotations

from smartgov import jobs
from smartgov.db import now, session_scope
from smartgov.inbox.models import OutboxMessage
from smartgov.inbox.senders import sender_for
from smartgov.inbox.service import DELIVER_TASK, DELIVERY_RETRIES


@jobs.task(DELIVER_TASK, retries=DELIVERY_RETRIES, label="消息发送")
def deliver(message_id: int) -> None:
    """Send one outbox message; a failure is written on the message and raised for a retry,
    and after the last retry the message is 发送失败."""
    with session_scope() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != "pending":
            return  # sent already (a job run twice) or given up
        channel, recipient, body, title = message.channel, message.recipient, message.body, message.title
    try:
        sender_for(channel).send(recipient, body, subject=title)
    except Exception as exc:
        with session_scope() as session:
            message = session.get(OutboxMessage, message_id, with_for_update=True)
            if message is not None:
                message.attempts += 1
                message.error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts > DELIVERY_RETRIES:
                    message.status = "failed"
        raise
    with session_scope() as session:
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        if message is not None:
            message.attempts += 1
            message.status = "sent"
            message.sent_at = now()
            message.error = None
