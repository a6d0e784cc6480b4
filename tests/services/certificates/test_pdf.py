"""The certificate PDF: Chinese text in the bundled font and a QR code."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from smartgov.services.certificates import pdf
from smartgov.services.certificates import service as certificates
from tests.factories import ApplicantFactory, DepartmentFactory


def _cert(session):  # type: ignore[no-untyped-def]
    return certificates.issue(
        session,
        type_code="11100000000013338W001",
        type_name="营业执照",
        years=5,
        holder=ApplicantFactory(name="杭州示例科技有限公司", id_type="001", id_number="91330100MA2H7K8Q1X"),
        issuer=DepartmentFactory(code="shichang", name="区市场监督管理局"),
        at=datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
    )


def test_pdf_with_chinese_font_and_qr(session) -> None:  # type: ignore[no-untyped-def]
    content = pdf.render(_cert(session))
    assert content.startswith(b"%PDF-") and len(content) > 2000
    assert b"/FontFile3" in content  # the bundled font (OpenType CFF) is embedded: no server font needed
