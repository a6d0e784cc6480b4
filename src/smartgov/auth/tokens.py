"""Random secrets for cookies and bearer tokens; only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from smartgov.config import get_settings

API_TOKEN_PREFIX = "sg_"


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """The stored form of a cookie or API token (a fast hash suits 256-bit random secrets)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets; False when either is missing."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _signature(value: str) -> str:
    key = get_settings().effective_secret_key().encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def new_anonymous_csrf() -> str:
    """A signed double-submit token for anonymous visitors (value.signature)."""
    value = secrets.token_urlsafe(24)
    return f"{value}.{_signature(value)}"


def valid_anonymous_csrf(token: str | None) -> bool:
    if not token or "." not in token or len(token) > 200:
        return False
    value, _, signature = token.rpartition(".")
    return same(signature, _signature(value))


def sign(value: str) -> str:
    """``value`` with its signature (value.signature), for a hidden field a page gets back."""
    return f"{value}.{_signature(value)}"


def unsign(token: str | None) -> str | None:
    """The value of a token made by ``sign``; None when it was altered or is not one."""
    if not token or "." not in token or len(token) > 600:
        return None
    value, _, signature = token.rpartition(".")
    return value if same(signature, _signature(value)) else None
