"""Senders (发送通道) that deliver outbox messages: a protocol, the logging default, the configured one.

``SMARTGOV_INBOX_SENDER`` names a class as ``module:Class`` for every channel, or per channel as
``sms=module:Class,email=module:Class`` (a channel left out uses the logging sender). A sender
raises when it could not deliver; the delivery job records the error and retries.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol, runtime_checkable

from smartgov.config import get_settings

log = logging.getLogger("smartgov.inbox")


@runtime_checkable
class Sender(Protocol):
    """Delivers one message to one recipient (phone number, e-mail address); raises on failure."""

    def send(self, recipient: str, body: str, subject: str | None = None) -> None: ...


class LoggingSender:
    """The default sender (记录日志): writes the message to the log and counts it as sent."""

    def __init__(self, channel: str = "") -> None:
        self.channel = channel

    def send(self, recipient: str, body: str, subject: str | None = None) -> None:
        log.info("outbox %s → %s%s: %s", self.channel or "message", recipient,
                 f" [{subject}]" if subject else "", body)


def _load(path: str) -> type:
    module_name, _, attr = path.strip().partition(":")
    if not attr:
        module_name, _, attr = module_name.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def sender_for(channel: str) -> Sender:
    """The configured sender of ``channel``, made fresh for each delivery."""
    setting = get_settings().inbox_sender.strip()
    path = ""
    for part in filter(None, (p.strip() for p in setting.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            path = path or part
        elif name.strip() == channel:
            path = value
            break
    cls = _load(path) if path else LoggingSender
    try:
        return cls(channel)
    except TypeError:
        return cls()
