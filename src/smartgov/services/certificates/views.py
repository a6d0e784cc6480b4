"""Public certificate API (证照核验): the public key, one certificate's signed payload, a holder's wallet."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.deps import current_principal, require_login
from smartgov.auth.masking import mask_id_number, mask_name
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session
from smartgov.errors import Forbidden
from smartgov.services.certificates import service as certificates
from smartgov.services.certificates import signing

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"])
Ident = Path(min_length=10, max_length=120, pattern=r"^[0-9A-Z.]+$", description="证照标识")


@router.get(
    "/public-key", responses={200: {"content": {"application/x-pem-file": {}}, "description": "公钥 (PEM)"}}
)
def public_key() -> Response:
    """The Ed25519 public key (PEM) every signature checks against."""
    return Response(signing.public_key_pem(), media_type="application/x-pem-file")


@router.get("/mine")
def wallet(session: Session = Depends(get_session), principal: Principal = Depends(require_login)) -> list:
    """The logged-in holder's certificates (证照夹)."""
    if not principal.is_public or not principal.user.id_number:
        raise Forbidden("证照夹只对申请人开放", code="forbidden")
    return [_out(c) for c in certificates.wallet(session, principal.user.id_number)]


# Who reads a certificate whole (the signed payload, the PDF): its holder, and the staff who issue
# or accept certificates as materials; anyone else learns whether it is genuine, with the holder masked.
CERTIFICATE_STAFF = (Role.WINDOW_CLERK, Role.APPROVER, Role.SUPERVISOR)


def may_read_whole(principal: Principal, cert) -> bool:  # type: ignore[no-untyped-def]
    """The holder (by ID number) or issuing/accepting staff."""
    if principal.is_public:
        return bool(principal.user.id_number) and principal.user.id_number == cert.holder_id_number
    return principal.has_any(*CERTIFICATE_STAFF)


@router.get("/{identifier}/pdf")
def pdf(identifier: str = Ident, session: Session = Depends(get_session),
        principal: Principal = Depends(require_login)) -> Response:
    """The certificate rendered as PDF with its QR code (版式文件), for its holder or staff (audited)."""
    from smartgov.services.certificates.pdf import render

    cert = certificates.by_identifier(session, identifier)
    if not may_read_whole(principal, cert):
        raise Forbidden("只有持证人和政务服务工作人员可以下载证照版式文件", code="forbidden")
    audit.record(session, principal=principal, action="certificate.pdf", object_type="svc_certificate",
                 object_id=cert.id)
    session.commit()
    return Response(
        render(cert),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{cert.number}.pdf"'},
    )


@router.get("/{identifier}")
def get_certificate(identifier: str = Ident, session: Session = Depends(get_session),
                    principal: Principal = Depends(current_principal)) -> dict:
    """Verify a certificate (证照核验): status and whether its signature holds, the holder masked;
    the holder and staff also get the exact signed payload to check it with the public key."""
    found = certificates.verify(session, identifier)
    cert = found.certificate
    answer = {
        "identifier": cert.identifier,
        "name": cert.type_name,
        "issuer": cert.issuer,
        "issued_on": cert.issued_on,
        "holder": mask_name(cert.holder),
        "holder_id": mask_id_number(cert.holder_id_number),
        "status": found.status,
        "status_label": certificates.STATUS_LABELS[found.status],
        "algorithm": cert.algorithm,
        "signature_valid": found.signature_valid,
        "check_character_valid": found.well_formed,
        "result": found.label,
        "revoked_reason": cert.revoked_reason,
    }
    if may_read_whole(principal, cert):
        answer |= {"payload": cert.payload, "signature": cert.signature}
    return answer


def _out(cert) -> dict:  # type: ignore[no-untyped-def]
    return {
        "identifier": cert.identifier,
        "name": cert.type_name,
        "number": cert.number,
        "issuer": cert.issuer,
        "issued_on": cert.issued_on,
        "valid_until": cert.valid_until,
        "status": certificates.status_of(cert),
    }
