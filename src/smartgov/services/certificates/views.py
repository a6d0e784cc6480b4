"""Public certificate API (证照核验): the public key, one certificate's signed payload, a holder's wallet."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from smartgov.auth.deps import require_login
from smartgov.auth.principal import Principal
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


@router.get("/{identifier}/pdf")
def pdf(identifier: str = Ident, session: Session = Depends(get_session)) -> Response:
    """The certificate rendered as PDF with its QR code (版式文件)."""
    from smartgov.services.certificates.pdf import render

    cert = certificates.by_identifier(session, identifier)
    return Response(
        render(cert),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{cert.number}.pdf"'},
    )


@router.get("/{identifier}")
def get_certificate(identifier: str = Ident, session: Session = Depends(get_session)) -> dict:
    """Verify a certificate: status, the exact signed payload, its base64 signature and algorithm."""
    found = certificates.verify(session, identifier)
    cert = found.certificate
    return {
        "identifier": cert.identifier,
        "status": found.status,
        "status_label": certificates.STATUS_LABELS[found.status],
        "payload": cert.payload,
        "signature": cert.signature,
        "algorithm": cert.algorithm,
        "signature_valid": found.signature_valid,
        "check_character_valid": found.well_formed,
        "result": found.label,
        "revoked_reason": cert.revoked_reason,
    }


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
