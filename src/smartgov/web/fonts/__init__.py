"""Fonts shipped with the platform for documents (版式文件字体): PDFs need no font on the server."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent
# Noto Sans CJK SC, subset to GB 2312 (SIL Open Font License 1.1, see OFL.txt).
CJK_FONT = FONT_DIR / "NotoSansSC-Regular-GB2312.otf"


def cjk_font() -> Path:
    """The bundled Simplified Chinese font for PDFs (证照, 通知书, 报告)."""
    return CJK_FONT
