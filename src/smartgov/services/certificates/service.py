"""Issuing, listing, revoking and verifying electronic certificates (电子证照)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.db import now
from smartgov.errors import NotFound
from smartgov.org.models import Department
from smartgov.services.certificates import identifier, signing
from smartgov.services.models import Applicant, Application, Certificate, ServiceItem

AREA_CODE = "330100"  # 行政区划代码 of the issuing district
ID_TYPE_LABELS = {"111": "居民身份证", "001": "统一社会信用代码"}
STATUS_LABELS = {"valid": "有效", "revoked": "已撤销", "expired": "已过期"}


def issuer_code(dept: Department) -> str:
    """The issuer's code in the identifier: its code in upper-case letters and digits."""
    code = "".join(c for c in dept.code.upper() if c.isalnum())[:18]
    return code or f"D{dept.id}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def metadata_of(cert: Certificate) -> dict[str, Any]:
    """The signed metadata (元数据) of a certificate."""
    return {
        "identifier": cert.identifier,
        "name": cert.type_name,
        "type_code": cert.type_code,
        "number": cert.number,
        "holder": cert.holder,
        "holder_id": cert.holder_id_number,
        "holder_id_type": cert.holder_id_type,
        "issuer": cert.issuer,
        "issuer_code": cert.issuer_code,
        "issue_date": cert.issued_on.isoformat(),
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
        "area_code": cert.area_code,
    }


def issue(
    session: Session,
    *,
    type_code: str,
    type_name: str,
    years: int | None,
    holder: Applicant,
    issuer: Department,
    at: datetime,
    application_id: int | None = None,
) -> Certificate:
    """Issue and sign one certificate (制证签章)."""
    issued_on = at.date()
    provisional = f"~{secrets.token_hex(8)}"  # unique until the row's own id gives the serial
    cert = Certificate(
        identifier=provisional,
        application_id=application_id,
        type_code=type_code,
        type_name=type_name,
        number=provisional,
        holder=holder.name,
        holder_id_type=holder.id_type,
        holder_id_number=holder.id_number,
        issuer=issuer.name,
        issuer_code=issuer_code(issuer),
        issued_on=issued_on,
        valid_until=_add_years(issued_on, years) if years else None,
        area_code=AREA_CODE,
        status="valid",
        algorithm=signing.ALGORITHM,
        payload="",
        signature="",
    )
    session.add(cert)
    session.flush()  # the serial is the row's id: two certificates issued at once never share one
    cert.identifier = identifier.build(type_code, issuer_code(issuer), cert.id)
    cert.number = f"{AREA_CODE}{issued_on:%Y}{cert.id:08d}"
    cert.payload = signing.canonical(metadata_of(cert))
    cert.signature = signing.sign(cert.payload)
    session.flush()
    return cert


def issue_for(session: Session, app: Application, item: ServiceItem, at: datetime) -> Certificate:
    """The certificate an approved application produces (审批结果)."""
    kind = item.certificate_type or {}
    return issue(
        session,
        type_code=kind["code"],
        type_name=kind["name"],
        years=kind.get("years"),
        holder=session.get(Applicant, app.applicant_id),
        issuer=session.get(Department, app.lead_department_id),
        at=at,
        application_id=app.id,
    )


def revoke(session: Session, cert: Certificate, reason: str, at: datetime, principal: Any = None) -> None:
    """Revoke (撤销): verification then says so; the signed payload stays as it was."""
    if cert.status == "revoked":
        return
    cert.status, cert.revoked_at, cert.revoked_reason = "revoked", at, reason
    audit.record(
        session,
        principal=principal,
        action="svc_certificate.revoke",
        object_type="svc_certificate",
        object_id=cert.id,
        detail={"reason": reason},
    )


def revoke_of_application(session: Session, app: Application, reason: str, at: datetime) -> None:
    for cert in session.scalars(select(Certificate).where(Certificate.application_id == app.id)):
        revoke(session, cert, reason, at)


def by_identifier(session: Session, ident: str) -> Certificate:
    cert = session.scalar(select(Certificate).where(Certificate.identifier == ident))
    if cert is None:
        raise NotFound("证照不存在", code="certificate_not_found")
    return cert


def status_of(cert: Certificate, today: date | None = None) -> str:
    """valid, revoked or expired (有效 / 已撤销 / 已过期) as of today."""
    if cert.status == "revoked":
        return "revoked"
    if cert.valid_until is not None and cert.valid_until < (today or now().date()):
        return "expired"
    return "valid"


@dataclass
class Verification:
    """The answer of a verification (核验结果)."""

    identifier: str
    well_formed: bool
    signature_valid: bool
    status: str
    certificate: Certificate | None

    @property
    def authentic(self) -> bool:
        return self.well_formed and self.signature_valid

    @property
    def label(self) -> str:
        if not self.authentic:
            return "核验失败：证照信息被篡改或标识无效"
        return {
            "valid": "核验通过：证照真实有效",
            "revoked": "证照真实，但已被撤销",
            "expired": "证照真实，但已过有效期",
        }[self.status]


def verify(session: Session, ident: str) -> Verification:
    """Check the identifier's check character, the signature over the stored payload, the status."""
    cert = by_identifier(session, ident)
    signed = signing.verify(cert.payload, cert.signature)
    same = signed and _payload_identifier(cert.payload) == cert.identifier
    return Verification(ident, identifier.is_valid(ident), same, status_of(cert), cert)


def _payload_identifier(payload: str) -> str | None:
    import json

    try:
        return json.loads(payload).get("identifier")
    except (ValueError, AttributeError):
        return None


def wallet(session: Session, id_number: str) -> list[Certificate]:
    """A holder's certificates (证照夹), newest first."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.holder_id_number == id_number)
            .order_by(Certificate.id.desc())
        )
    )


def identifiers(session: Session) -> list[str]:
    return list(session.scalars(select(Certificate.identifier).order_by(Certificate.id)))


audit.register_labels({"svc_certificate.revoke": "撤销电子证照"}, objects={"svc_certificate": "电子证照"})
