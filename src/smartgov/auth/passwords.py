"""Password hashing with argon2 and the complexity rule (口令复杂度)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from smartgov.config import get_settings
from smartgov.errors import ValidationFailed

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_complexity(password: str) -> None:
    """At least N characters with three of: lower case, upper case, digits, symbols."""
    minimum = get_settings().password_min_length
    patterns = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")
    classes = sum(bool(re.search(p, password)) for p in patterns)
    if len(password) < minimum or classes < 3:
        raise ValidationFailed(
            f"密码至少 {minimum} 位，且包含大写字母、小写字母、数字、符号中的三类 "
            f"(password: ≥{minimum} characters from three of upper, lower, digit, symbol)",
            code="weak_password",
        )


_dummy_hash: str | None = None


def verify_dummy(password: str) -> bool:
    """Spend the time of a real verification (unknown user names must not answer faster)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("smartgov-dummy-password-Aa1!")
    verify_password(_dummy_hash, password)
    return False
