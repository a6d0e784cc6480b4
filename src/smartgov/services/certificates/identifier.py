"""Certificate identifiers in the GB/T 36901 style (证照标识) with the ISO 7064 MOD 37,36 check.

``1.2.156.3005.2.{type code}.{issuer code}.{serial}.{version}.{check}``; the check character is
computed over the letters and digits before it (the dots left out)."""

from __future__ import annotations

import re

from smartgov.errors import ValidationFailed

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PREFIX = "1.2.156.3005.2"
_PATTERN = re.compile(
    r"^1\.2\.156\.3005\.2\.([0-9A-Z]{21})\.([0-9A-Z]{1,24})\.([0-9]{1,20})\.([0-9]{3})\.([0-9A-Z])$"
)


def mod37_36(text: str) -> str:
    """The ISO 7064 MOD 37,36 check character of ``text`` (digits and upper-case letters)."""
    modulus = 36
    p = modulus
    for char in text:
        value = ALPHABET.find(char)
        if value < 0:
            raise ValidationFailed(f"证照标识含有非法字符：{char}", code="bad_identifier")
        p = (p + value) % modulus or modulus
        p = (p * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - p) % modulus]


def build(type_code: str, issuer_code: str, serial: int, version: int = 1) -> str:
    """A new identifier with its check character."""
    body = f"{PREFIX}.{type_code}.{issuer_code}.{serial:014d}.{version:03d}"
    return f"{body}.{mod37_36(body.replace('.', ''))}"


def is_valid(identifier: str) -> bool:
    """Well formed and its check character right (校验位)."""
    if not _PATTERN.match(identifier or ""):
        return False
    body, check = identifier.rsplit(".", 1)
    return mod37_36(body.replace(".", "")) == check
