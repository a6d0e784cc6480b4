"""Signatures: an independent Ed25519 check against the published key; a changed byte fails."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from smartgov.services.certificates import service as certificates
from smartgov.services.certificates import signing
from tests.factories import ApplicantFactory, DepartmentFactory


def _issue(session):  # type: ignore[no-untyped-def]
    holder = ApplicantFactory(name="李四", id_number="330102199001015678")
    dept = DepartmentFactory(code="shichang", name="区市场监督管理局")
    return certificates.issue(
        session,
        type_code="11100000000013338W001",
        type_name="营业执照",
        years=None,
        holder=holder,
        issuer=dept,
        at=datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
    )


def test_independent_check_with_the_published_key(session) -> None:  # type: ignore[no-untyped-def]
    cert = _issue(session)
    key = load_pem_public_key(signing.public_key_pem().encode())
    key.verify(base64.b64decode(cert.signature), cert.payload.encode("utf-8"))  # raises if wrong
    meta = json.loads(cert.payload)
    assert meta["holder"] == "李四" and meta["identifier"] == cert.identifier
    assert cert.payload == json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_a_changed_byte_fails(session) -> None:  # type: ignore[no-untyped-def]
    cert = _issue(session)
    assert signing.verify(cert.payload, cert.signature)
    raw = bytearray(cert.payload.encode())
    raw[10] ^= 1
    assert not signing.verify(raw.decode("utf-8", "replace"), cert.signature)
    sig = bytearray(base64.b64decode(cert.signature))
    sig[0] ^= 1
    assert not signing.verify(cert.payload, base64.b64encode(bytes(sig)).decode())


def test_tampered_stored_certificate_fails_verification(session) -> None:  # type: ignore[no-untyped-def]
    cert = _issue(session)
    assert certificates.verify(session, cert.identifier).authentic
    cert.payload = cert.payload.replace("李四", "王五")
    assert not certificates.verify(session, cert.identifier).authentic
    assert certificates.verify(session, cert.identifier).label.startswith("核验失败")


def test_revoked_and_expired_show(session) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    cert = _issue(session)
    assert certificates.status_of(cert) == "valid"
    cert.valid_until = date(2020, 1, 1)
    assert certificates.status_of(cert, date(2020, 1, 1)) == "valid"
    assert certificates.status_of(cert, date(2020, 1, 2)) == "expired"
    certificates.revoke(session, cert, "测试", datetime(2026, 3, 3, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert certificates.verify(session, cert.identifier).label == "证照真实，但已被撤销"
