"""附加属性 of a minor class (Open311 service definition attributes): the definitions reporters and
Open311 clients see, and the check of submitted answers the one intake applies to every channel."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from smartgov.errors import ValidationFailed
from smartgov.workclock.service import parse_moment

DATATYPES = frozenset({"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"})
LIST_TYPES = frozenset({"singlevaluelist", "multivaluelist"})
_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _value_out(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        key = value.get("key", value.get("name"))
        return {"key": str(key), "name": str(value.get("name", key))}
    return {"key": str(value), "name": str(value)}


def _definition(raw: dict[str, Any], position: int) -> dict[str, Any]:
    datatype = str(raw.get("datatype") or "string")
    order = raw.get("order")
    attribute: dict[str, Any] = {
        "variable": bool(raw.get("variable", True)),
        "code": str(raw.get("code") or raw.get("variable_code") or f"attr{position}"),
        "datatype": datatype if datatype in DATATYPES else "string",
        "required": bool(raw.get("required", False)),
        "datatype_description": raw.get("datatype_description"),
        "order": int(order) if isinstance(order, int | str) and str(order).isdigit() else position,
        "description": raw.get("description"),
    }
    if attribute["datatype"] in LIST_TYPES:
        attribute["values"] = [_value_out(v) for v in raw.get("values") or []]
    return attribute


def definitions_of(raw: Sequence[Any] | None) -> list[dict[str, Any]]:
    """The class's attributes (Category.attributes) as Open311 service-definition attributes, in
    order, always schema-valid whatever an administrator imported."""
    found = [a for a in (raw or []) if isinstance(a, dict)]
    return sorted((_definition(a, i) for i, a in enumerate(found, start=1)), key=lambda a: a["order"])


def label_of(attr: Mapping[str, Any]) -> str:
    """What a person reads for the attribute: its description, else its code."""
    return str(attr.get("description") or attr["code"])


def _check_values(attr: dict[str, Any], values: list[str]) -> None:
    label, datatype = label_of(attr), attr["datatype"]
    if datatype != "multivaluelist" and len(values) > 1:
        raise ValidationFailed(f"「{label}」只能填写一项", code="bad_attribute")
    if datatype in LIST_TYPES:
        names = {v["key"]: v["name"] for v in attr.get("values", [])}
        bad = [v for v in values if v not in names]
        if bad:
            raise ValidationFailed(
                f"「{label}」的取值无效：{'、'.join(bad)}（可选：{'、'.join(names.values())}）",
                code="bad_attribute")
    for value in values:
        try:
            if datatype == "number":
                float(value)
            elif datatype == "datetime":
                parse_moment(value)
        except (ValueError, ValidationFailed):
            kind = "数字" if datatype == "number" else "日期时间（例如 2026-11-30T09:30:00+08:00）"
            raise ValidationFailed(f"「{label}」应填写{kind}：{value}", code="bad_attribute") from None


def checked_answers(
    raw: Sequence[Any] | None, submitted: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """Check answers (code → values) against the class's attributes: no unknown code, every
    required one answered, datatype and allowed values; the answers to keep with the case, each
    with the label and the shown value ("井盖类型：污水")."""
    definitions = {a["code"]: a for a in definitions_of(raw)}
    unknown = sorted(set(submitted) - set(definitions))
    if unknown:
        raise ValidationFailed(f"该类别没有这些附加信息项：{'、'.join(unknown)}", code="unknown_attribute")
    answers = []
    for code, attr in definitions.items():
        values = [v.strip() for v in submitted.get(code, []) if v and v.strip()]
        if not values:
            if attr["required"] and attr["variable"]:
                raise ValidationFailed(f"请填写「{label_of(attr)}」", code="attribute_required")
            continue
        _check_values(attr, values)
        names = {v["key"]: v["name"] for v in attr.get("values", [])}
        answers.append({"code": code, "label": label_of(attr), "values": values,
                        "shown": "、".join(names.get(v, v) for v in values)})
    return answers


def answer_lines(answers: Sequence[Mapping[str, Any]]) -> list[str]:
    """Answers as lines of text ("井盖类型：污水")."""
    return [f"{a['label']}：{a['shown']}" for a in answers]


def answers_in_form(form: Any) -> dict[str, list[str]]:
    """attribute[code]=value fields of a posted form (repeated, or attribute[code][] for a
    multivaluelist), as code → values; the report page and Open311 post them alike."""
    found: dict[str, list[str]] = {}
    for key in form:
        match = _FIELD.match(key)
        if match:
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            found.setdefault(match.group(1), []).extend(values)
    return found
