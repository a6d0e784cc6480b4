"""Masking of personal data on screens and in exports (个人信息脱敏, PIPL / 等保 2.0).

``show_personal(principal, value, kind)`` masks unless the principal's role needs the data
(SEES_PERSONAL_DATA). A page showing an object's personal data uses ``reveal_personal``, which
also writes one audit line per view when anything is shown unmasked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.principal import Principal

Kind = Literal["phone", "id_number", "name", "address"]
KINDS: tuple[str, ...] = ("phone", "id_number", "name", "address")

# Words that end the area/road part of a Chinese address; what follows (numbers, units) is masked.
_ADDRESS_MARKERS = re.compile(
    r"省|自治区|市|区|县|旗|镇|乡|街道|大道|路|街|巷|胡同|弄|村|小区|社区")


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        if len(value) <= 2:
            return "*" * len(value)
        return value[0] + "*" * (len(value) - 2) + value[-1]
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; landlines keep their last four digits."""
    value = value.strip()
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    return _keep_ends(value, 3 if len(value) >= 10 else 1, 4 if len(value) >= 8 else 1)


def mask_id_number(value: str) -> str:
    """110101199003071234 → 110***********1234 (居民身份证号 and other certificate numbers)."""
    value = value.strip()
    return _keep_ends(value, 3, 4 if len(value) >= 10 else 1)


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; Latin names keep their first letter."""
    value = value.strip()
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_address(value: str) -> str:
    """Keep the area and road, hide the rest.

    北京市朝阳区建国路88号3单元502 → 北京市朝阳区建国路****
    """
    value = value.strip()
    if not value:
        return value
    # The longest prefix ending with a marker, but never the whole address.
    ends = [m.end() for m in _ADDRESS_MARKERS.finditer(value) if m.end() < len(value)]
    keep = value[:ends[-1]] if ends else value[: max(len(value) // 3, 1)]
    return keep + "****"

_MASKERS = {
    "phone": mask_phone,
    "id_number": mask_id_number,
    "name": mask_name,
    "address": mask_address,
}


def mask(value: str | None, kind: str) -> str | None:
    """Mask ``value`` as personal data of ``kind`` (phone, id_number, name, address)."""
    if value is None or value == "":
        return value
    try:
        masker = _MASKERS[kind]
    except KeyError:
        raise ValueError(f"unknown personal data kind {kind!r}; one of {KINDS}") from None
    return masker(str(value))


def show_personal(principal: Principal | None, value: str | None, kind: str) -> str | None:
    """``value`` as the principal may see it: unmasked only for roles that need personal data."""
    if principal is not None and principal.sees_personal_data:
        if kind not in _MASKERS:
            raise ValueError(f"unknown personal data kind {kind!r}; one of {KINDS}")
        return value
    return mask(value, kind)


def reveal_personal(session: Session, principal: Principal, values: Mapping[str, str | None], *,
                    object_type: str, object_id: str | int | None) -> dict[str, str | None]:
    """``values`` (kind → value) as the principal may see them, via ``show_personal``.

    When any of them is shown unmasked, one ``personal_data_viewed`` audit line records the view
    of the object with the kinds shown: call it once per page view and object, not per field.
    The caller commits.
    """
    shown = {kind: show_personal(principal, value, kind) for kind, value in values.items()}
    revealed = [kind for kind, value in values.items() if value and shown[kind] == value]
    if revealed:
        audit.record(session, action="personal_data_viewed", principal=principal,
                     object_type=object_type, object_id=object_id, detail={"kinds": revealed})
    return shown
