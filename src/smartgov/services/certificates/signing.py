"""Signing certificates (电子签章): an Ed25519 key kept under var/, canonical metadata, checks."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from smartgov.config import get_settings

ALGORITHM = "Ed25519"
KEY_FILE = "certificate_signing.pem"


def canonical(metadata: dict[str, Any]) -> str:
    """The exact text that is signed: UTF-8 JSON, keys sorted, no spaces (规范化元数据)."""
    return json.dumps(metadata, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _key_path() -> Path:
    return get_settings().var_dir / KEY_FILE


@lru_cache
def _private_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 key")
    return loaded


def private_key() -> Ed25519PrivateKey:
    """The platform's signing key, generated once into var/ (0600)."""
    return _private_key(_key_path())


def public_key_pem() -> str:
    """The public key every third party checks signatures with (公钥, PEM)."""
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(payload: str) -> str:
    """The base64 Ed25519 signature of the payload's UTF-8 bytes."""
    return base64.b64encode(private_key().sign(payload.encode("utf-8"))).decode()


def verify(payload: str, signature: str, public_pem: str | None = None) -> bool:
    """Whether ``signature`` is the signature of ``payload`` (any changed byte fails)."""
    key = serialization.load_pem_public_key((public_pem or public_key_pem()).encode())
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), payload.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True
