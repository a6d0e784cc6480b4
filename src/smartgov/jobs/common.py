"""What both engines share: the back-off rule, the error text, the runner's identity (共用)."""

from __future__ import annotations

import os
import socket
import traceback
import uuid

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from smartgov.config import get_settings

ERROR_LIMIT = 8000
_identity: tuple[int, str] | None = None


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def is_postgres(bind: Engine | Connection | Session) -> bool:
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return bind.dialect.name == "postgresql"


def backoff_seconds(attempts: int) -> int:
    """Wait before the next run after ``attempts`` runs failed: base**attempts (2, 4, 8 … seconds)."""
    return int(get_settings().jobs_retry_base_s) ** attempts


def error_text(exc: BaseException) -> str:
    """The exception line first (what the administrator reads), then the traceback's tail."""
    head = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    text = f"{head}\n\n{trace}"
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - 1] + "…"


def runner_identity() -> str:
    """This process as "host:pid:token" — the token tells a restarted process with the same pid apart."""
    global _identity
    pid = os.getpid()
    if _identity is None or _identity[0] != pid:
        _identity = (pid, f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:12]}")
    return _identity[1]
