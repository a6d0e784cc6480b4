"""Reading HTML form input for pages: text and number fields with Chinese errors, the typed
values to show a form again, and an error's message for the page."""

from __future__ import annotations

import math
from typing import Any, TypeVar

from pydantic import ValidationError

from smartgov.errors import AppError, ValidationFailed
from smartgov.params import INTEGER_MAX

Number = TypeVar("Number", int, float)


def form_text(form: Any, key: str) -> str | None:
    """A text field, stripped; None when absent or blank."""
    value = form.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def form_number(form: Any, key: str, kind: type[Number], label: str) -> Number | None:
    """A number field (None when blank); anything else is a ValidationFailed naming the field."""
    value = form_text(form, key)
    if value is None:
        return None
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number):
        what = "整数" if kind is int else "数字"
        raise ValidationFailed(f"{label}应为{what}，收到「{value[:20]}」", code="bad_number")
    if kind is int and abs(number) > INTEGER_MAX:  # every integer a form gives is stored in one
        raise ValidationFailed(f"{label}超出范围，收到「{value[:20]}」", code="bad_number")
    return number


def form_values(form: Any) -> dict[str, str]:
    """What was typed, to show the form again after an error."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def error_text(exc: Exception) -> str:
    """The message of a form error for the page (pydantic's messages without their prefix, and
    no English gloss)."""
    from smartgov.web.templating import for_people

    if isinstance(exc, ValidationError):
        return "；".join(for_people(str(e["msg"]).removeprefix("Value error, ")) for e in exc.errors())
    return for_people(exc.message if isinstance(exc, AppError) else str(exc))




YES_NO = {"yes": True, "no": False}


def form_yes_no(form: Any, key: str) -> bool | None:
    """A yes/no choice (radio buttons valued "yes" and "no"); None when neither was chosen."""
    return YES_NO.get(str(form.get(key, "")))


def error_status(exc: Exception) -> int:
    """The HTTP status a page answers a refused form with: the error's own, else 422."""
    return exc.status_code if isinstance(exc, AppError) else 422
