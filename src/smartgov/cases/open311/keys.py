"""API keys of Open311 client applications: issued by an administrator, stored as hashes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.cases.models import Open311Client


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(session: Session, name: str) -> tuple[Open311Client, str]:
    """Issue a new key for a client application; the key itself is only returned once."""
    key = "o311_" + secrets.token_urlsafe(24)
    client = Open311Client(name=name, key_hash=_hash(key), key_prefix=key[:10])
    session.add(client)
    session.flush()
    return client, key


def client_for_key(session: Session, key: str | None) -> Open311Client | None:
    if not key:
        return None
    client = session.scalar(select(Open311Client).where(Open311Client.key_hash == _hash(key)))
    if client is None or client.revoked_at is not None:
        return None
    return client
