"""消息中心: notifications to people and departments about any subject, and outboxes (SMS, e-mail)."""

from smartgov.auth.codes import register_outbox
from smartgov.inbox.service import (
    CHANNELS,
    OUTBOX_STATUS_LABELS,
    kind_label,
    mark_all_read,
    mark_read,
    messages_for,
    notify,
    register_kinds,
    register_subject,
    send,
    subject_link,
    unread_count,
)
from smartgov.web.templating import register_header_count

register_header_count("unread_count", unread_count)
register_outbox(send)  # SMS codes of registration and account activation (短信验证码)

__all__ = [
    "CHANNELS",
    "OUTBOX_STATUS_LABELS",
    "kind_label",
    "mark_all_read",
    "mark_read",
    "messages_for",
    "notify",
    "register_kinds",
    "register_subject",
    "send",
    "subject_link",
    "unread_count",
]
