"""The certificate as a PDF (版式文件): Chinese text in the bundled font and a QR code to verify."""

from __future__ import annotations

import qrcode
from fpdf import FPDF

from smartgov.services.certificates.service import ID_TYPE_LABELS, STATUS_LABELS, status_of
from smartgov.services.models import Certificate
from smartgov.web.fonts import cjk_font

VERIFY_PATH = "/certificates/verify?id="


def render(cert: Certificate, base_url: str = "") -> bytes:
    """The PDF of one certificate in the platform's bundled Chinese font."""
    font = cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_title(cert.type_name)
    pdf.add_page()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=24)
    pdf.cell(0, 20, cert.type_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    rows = (
        ("证照编号", cert.number),
        ("持证主体", cert.holder),
        (ID_TYPE_LABELS.get(cert.holder_id_type, "证件号码"), cert.holder_id_number),
        ("发证机关", cert.issuer),
        ("发证日期", cert.issued_on.isoformat()),
        ("有效期至", cert.valid_until.isoformat() if cert.valid_until else "长期"),
        ("状态", STATUS_LABELS[status_of(cert)]),
        ("证照标识", cert.identifier),
    )
    for label, value in rows:
        pdf.cell(35, 10, label)
        pdf.multi_cell(0, 10, value, new_x="LMARGIN", new_y="NEXT")
    _qr(pdf, f"{base_url}{VERIFY_PATH}{cert.identifier}", x=150, y=200, size=40)
    pdf.set_xy(20, 245)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 6, f"扫描二维码或访问证照核验页面核验真伪。签名算法 {cert.algorithm}。")
    return bytes(pdf.output())


def _qr(pdf: FPDF, text: str, *, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``text`` as filled squares (no image library needed)."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                pdf.rect(x + col * cell, y + row * cell, cell, cell, style="F")
