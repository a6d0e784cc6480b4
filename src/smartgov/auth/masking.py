"""Masking of personal data on screens and in exports (个人信息脱敏, PIPL / 等保 2.0).

One rule, here: ``personal_view`` (and ``show_personal`` for one value) masks unless the
principal's role needs the data (the table in auth.roles: SEES_PERSONAL_DATA) — lists and
exports always mask. A page showing an object's personal data uses ``reveal_personal``, which
writes one audit line per view when anything is shown unmasked. Roles that may ask
(MAY_REVEAL_PERSONAL_DATA) reveal one object's data with ``reveal_on_request``, audited; a
domain says where an object's personal data is with ``register_personal_data``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal

from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.errors import Forbidden, NotFound

Kind = Literal["phone", "id_number", "name", "address"]
KINDS: tuple[str, ...] = ("phone", "id_number", "name", "address")
KIND_LABELS: dict[str, str] = {"phone": "手机号", "id_number": "证件号码", "name": "姓名", "address": "地址"}
audit.register_labels({}, values={"kinds": KIND_LABELS})

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


def personal_view(principal: Principal | None, values: Mapping[str, str | None], *,
                  listed: bool = False) -> dict[str, str | None]:
    """``values`` (kind → value) as this principal may see them; ``listed`` (lists, exports)
    masks for everyone. The one masking rule every page and API applies."""
    if listed:
        return {kind: mask(value, kind) for kind, value in values.items()}
    return {kind: show_personal(principal, value, kind) for kind, value in values.items()}


# object type → loader(session, principal, object_id) → kind → value; the loader applies the
# domain's own scope checks (NotFound / Forbidden) before giving anything.
PersonalDataLoader = Callable[[Session, Principal, int], Mapping[str, str | None]]
_LOADERS: dict[str, PersonalDataLoader] = {}


def register_personal_data(object_type: str, loader: PersonalDataLoader) -> None:
    """A domain says where the personal data of its objects is, for the reveal action."""
    _LOADERS[object_type] = loader


def reveal_on_request(session: Session, principal: Principal, object_type: str,
                      object_id: int) -> dict[str, str | None]:
    """显示完整信息: one object's personal data unmasked for a role that may ask; audited.

    Raises Forbidden for other roles (the refusal is audited too) and NotFound for an unknown
    object type or object. The caller commits.
    """
    principal.require_login()
    loader = _LOADERS.get(object_type)
    if loader is None:
        raise NotFound("没有可显示的个人信息 (unknown object type)")
    if not principal.may_reveal_personal_data:
        audit.record(session, action="personal_data_revealed", principal=principal,
                     object_type=object_type, object_id=object_id, result=audit.DENIED)
        session.commit()
        raise Forbidden("当前角色不能查看完整个人信息 (your role may not reveal personal data)")
    values = dict(loader(session, principal, object_id))
    kinds = [kind for kind, value in values.items() if value]
    audit.record(session, action="personal_data_revealed", principal=principal,
                 object_type=object_type, object_id=object_id, detail={"kinds": kinds})
    return values
