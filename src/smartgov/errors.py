"""Errors with a stable ``code`` and a human message, rendered as JSON by the API."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """A domain error the user can act on; ``code`` is stable, ``message`` is for people."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.details = details


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"


class Conflict(AppError):
    """The object changed or the action is not allowed in its current state."""

    status_code = 409
    code = "conflict"


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_failed"
