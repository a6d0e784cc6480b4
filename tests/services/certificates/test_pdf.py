"""The certificate PDF: Chinese text in a CJK font and a QR code (skips without a CJK font)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from smartgov.errors import AppError
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
    if pdf.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei or fonts-noto-cjk)")
    content = pdf.render(_cert(session))
    assert content.startswith(b"%PDF-") and len(content) > 2000
    assert b"/FontFile2" in content or b"/FontFile3" in content  # the CJK font is embedded


def test_without_a_cjk_font_the_answer_says_so(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ("/nonexistent.ttc",))
    pdf.cjk_font.cache_clear()
    try:
        with pytest.raises(AppError) as caught:
            pdf.render(_cert(session))
        assert caught.value.status_code == 503 and "中文字体" in caught.value.message
    finally:
        pdf.cjk_font.cache_clear()
