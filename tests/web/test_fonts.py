"""The platform ships its Chinese font: every GB 2312 character has a glyph, the licence travels with it."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from smartgov.web.fonts import FONT_DIR, cjk_font


def gb2312() -> set[int]:
    """Every character GB 2312 encodes (its two-byte rows A1–F7), written from the standard's layout."""
    found = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def test_the_bundled_font_covers_gb2312_and_ascii() -> None:
    cmap = TTFont(cjk_font()).getBestCmap()
    wanted = gb2312() | set(range(0x20, 0x7F)) | {ord(c) for c in "，。：；（）《》“”"}
    assert len(gb2312()) == 7445  # 6,763 汉字 and 682 other characters
    assert sorted(wanted - set(cmap)) == []


def test_the_licence_is_beside_the_font() -> None:
    text = (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text and "Noto Sans CJK SC" in text
