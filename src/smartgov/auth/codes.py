"""One-time SMS codes (短信验证码) for registration and for administrators' activation and resets.

A code is six digits, stored only as a keyed hash, valid for a few minutes (hours for an
activation), allows a few wrong tries and is used once; one phone may ask only so often. The
SMS goes through the outbox (消息中心), which plugs itself in with ``register_outbox``: the
accounts package imports no sibling that imports it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smartgov.auth.models import OneTimeCode
from smartgov.config import get_settings
from smartgov.db import now
from smartgov.errors import AppError, ValidationFailed

REGISTER = "register"
ACTIVATE = "activate"
RESET = "reset"
PURPOSE_LABELS: dict[str, str] = {REGISTER: "注册", ACTIVATE: "账号激活", RESET: "重置密码"}
CODE_DIGITS = 6

_outbox: Callable[..., Any] | None = None


class TooManyCodes(AppError):
    """A phone asked for codes too often (验证码发送过于频繁)."""

    status_code = 429
    code = "too_many_codes"


def register_outbox(send: Callable[..., Any]) -> None:
    """The outbox's ``send(session, channel=, recipient=, body=, subject_type=, subject_id=)``."""
    global _outbox
    _outbox = send


def _hash(purpose: str, recipient: str, code: str) -> str:
    key = get_settings().effective_secret_key().encode("utf-8")
    return hmac.new(key, f"{purpose}:{recipient}:{code}".encode(), hashlib.sha256).hexdigest()


def _check_rate(session: Session, purpose: str, recipient: str) -> None:
    settings = get_settings()
    at = now()
    recent = session.execute(
        select(func.count(), func.max(OneTimeCode.created_at)).where(
            OneTimeCode.purpose == purpose, OneTimeCode.recipient == recipient,
            OneTimeCode.created_at > at - timedelta(hours=1))).one()
    count, latest = recent
    if latest is not None and at - latest < timedelta(seconds=settings.sms_code_interval_s):
        wait = settings.sms_code_interval_s - int((at - latest).total_seconds())
        raise TooManyCodes(f"验证码发送过于频繁，请 {max(wait, 1)} 秒后再试")
    if count >= settings.sms_code_per_hour:
        raise TooManyCodes(f"该手机号一小时内最多获取 {settings.sms_code_per_hour} 次验证码，请稍后再试")


def issue(session: Session, *, purpose: str, phone: str, body: str, user_id: int | None = None,
          lifetime: timedelta | None = None) -> OneTimeCode:
    """Make a code and queue its SMS to ``phone``; ``body`` holds ``{code}`` and ``{minutes}``.

    Earlier unused codes of the same purpose and phone stop working. Flushes; the caller commits.
    Raises TooManyCodes (429) when the phone asked too often.
    """
    if _outbox is None:
        raise RuntimeError("no outbox registered (import smartgov.inbox)")
    _check_rate(session, purpose, phone)
    settings = get_settings()
    lifetime = lifetime or timedelta(minutes=settings.sms_code_minutes)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    at = now()
    session.execute(update(OneTimeCode).where(
        OneTimeCode.purpose == purpose, OneTimeCode.recipient == phone,
        OneTimeCode.used_at.is_(None)).values(expires_at=at))
    row = OneTimeCode(purpose=purpose, recipient=phone, user_id=user_id,
                      code_hash=_hash(purpose, phone, code), created_at=at,
                      expires_at=at + lifetime, attempts=0)
    session.add(row)
    session.flush()
    minutes = int(lifetime.total_seconds() // 60)
    _outbox(session, channel="sms", recipient=phone, body=body.format(code=code, minutes=minutes),
            subject_type="user" if user_id else None, subject_id=user_id)
    return row


def consume(session: Session, *, purpose: str, phone: str, code: str,
            user_id: int | None = None) -> OneTimeCode:
    """Use the newest code sent to ``phone`` for ``purpose`` (验证码校验).

    A wrong code counts as an attempt, committed at once (the caller's rollback keeps it); after
    the allowed attempts or past its expiry the code is dead and a new one must be asked for.
    Raises ValidationFailed with a Chinese message; marks the code used on success (flushes).
    """
    settings = get_settings()
    at = now()
    stmt = select(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.recipient == phone,
                                     OneTimeCode.used_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(OneTimeCode.user_id == user_id)
    row = session.scalar(stmt.order_by(OneTimeCode.id.desc()).limit(1))
    code = (code or "").strip()
    if row is None:
        raise ValidationFailed("请先获取短信验证码", code="code_required")
    if row.expires_at <= at:
        raise ValidationFailed("验证码已过期，请重新获取", code="code_expired")
    # Count the attempt in one statement, so parallel guesses cannot exceed the limit.
    counted = session.execute(
        update(OneTimeCode).where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None),
                                  OneTimeCode.attempts < settings.sms_code_attempts)
        .values(attempts=OneTimeCode.attempts + 1).returning(OneTimeCode.attempts)).scalar()
    if counted is None:
        session.commit()
        raise ValidationFailed("验证码错误次数过多，请重新获取", code="code_exhausted")
    if not code or not hmac.compare_digest(row.code_hash, _hash(purpose, phone, code)):
        session.commit()
        left = settings.sms_code_attempts - counted
        message = f"验证码不正确，还可尝试 {left} 次" if left else "验证码错误次数过多，请重新获取"
        raise ValidationFailed(message, code="wrong_code" if left else "code_exhausted")
    used = session.execute(update(OneTimeCode).where(
        OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None))
        .values(used_at=at).returning(OneTimeCode.id)).scalar()
    if used is None:
        raise ValidationFailed("验证码已使用，请重新获取", code="code_used")
    session.refresh(row)
    return row
