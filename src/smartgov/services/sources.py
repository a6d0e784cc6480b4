"""Shared-data prefill and material reuse (数据共享 / 材料复用): named sources other domains plug in.

The base registries register theirs later with ``register_prefill_source`` and
``register_material_source``; the applicant's profile and issued certificates are built in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.services.models import Applicant, Certificate

PrefillSource = Callable[[Session, Applicant], dict[str, Any]]
MaterialSource = Callable[[Session, Applicant, dict[str, Any]], "dict[str, Any] | None"]
PREFILL_SOURCES: dict[str, PrefillSource] = {}
MATERIAL_SOURCES: dict[str, MaterialSource] = {}
SOURCE_NAMES = {"profile": "申请人信息", "certificate": "电子证照库"}


def register_prefill_source(name: str, fn: PrefillSource, label: str | None = None) -> None:
    """A source of form values (``name.key`` in a form field's ``prefill``), e.g. the registries."""
    PREFILL_SOURCES[name] = fn
    SOURCE_NAMES[name] = label or name


def register_material_source(name: str, fn: MaterialSource, label: str | None = None) -> None:
    """A source that may provide a material of source ``shared`` (返回 None: not available)."""
    MATERIAL_SOURCES[name] = fn
    SOURCE_NAMES[name] = label or name


def _profile(session: Session, applicant: Applicant) -> dict[str, Any]:
    return {
        "name": applicant.name,
        "id_number": applicant.id_number,
        "phone": applicant.phone or "",
        "address": applicant.address or "",
    }


register_prefill_source("profile", _profile, "申请人信息")


def prefill(session: Session, applicant: Applicant, form_fields: list[dict]) -> dict[str, Any]:
    """Form values from the sources the fields name; a source that fails gives nothing."""
    cache: dict[str, dict[str, Any]] = {}
    values: dict[str, Any] = {}
    for field in form_fields:
        spec = field.get("prefill")
        if not spec or "." not in spec:
            continue
        source, key = spec.split(".", 1)
        if source not in PREFILL_SOURCES:
            continue
        if source not in cache:
            cache[source] = PREFILL_SOURCES[source](session, applicant) or {}
        if cache[source].get(key) not in (None, ""):
            values[field["name"]] = cache[source][key]
    return values


def held_certificate(session: Session, applicant: Applicant, type_code: str) -> Certificate | None:
    """A valid certificate of this type the applicant holds (trust level A)."""
    return session.scalar(
        select(Certificate)
        .where(
            Certificate.holder_id_number == applicant.id_number,
            Certificate.type_code == type_code,
            Certificate.status == "valid",
        )
        .order_by(Certificate.id.desc())
        .limit(1)
    )


def reused_materials(session: Session, applicant: Applicant, materials: list[dict]) -> list[dict]:
    """Materials attached without asking: issued certificates (A) and shared data (B)."""
    attached = []
    for material in materials:
        if material.get("source") == "certificate" and material.get("certificate_type"):
            cert = held_certificate(session, applicant, material["certificate_type"])
            if cert is not None:
                attached.append(
                    {
                        "code": material["code"],
                        "name": material["name"],
                        "source": "certificate",
                        "reference": cert.identifier,
                        "trust": "A",
                        "origin": f"电子证照：{cert.type_name}（{cert.number}）",
                    }
                )
        elif material.get("source") == "shared":
            for name, source in MATERIAL_SOURCES.items():
                found = source(session, applicant, material)
                if found:
                    attached.append(
                        {
                            "code": material["code"],
                            "name": material["name"],
                            "source": "shared",
                            "reference": str(found.get("reference", "")),
                            "trust": "B",
                            "origin": f"共享数据：{SOURCE_NAMES.get(name, name)}",
                        }
                    )
                    break
    return attached
