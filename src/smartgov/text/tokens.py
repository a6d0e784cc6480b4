"""Chinese word segmentation (分词) and the "title\\nbody" text of a request or article."""

from __future__ import annotations

import logging
from collections.abc import Iterable

TITLE_MAX_CHARS = 60

_jieba_ready = False


def segment(text: str) -> list[str]:
    """分词: jieba words of ``text`` without whitespace tokens; jieba loads quietly on first use."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba_ready = True
    return [w for w in jieba.lcut(text) if w.strip()]


def join_fields(parts: Iterable[str | None]) -> str:
    """One text from its fields (字段合并): the first is the title line, newlines inside fields go."""
    cleaned = [" ".join((p or "").split()) for p in parts]
    return "\n".join(p for p in cleaned if p)


def title_of(text: str, max_chars: int = TITLE_MAX_CHARS) -> str:
    """题目: the first line of a text made by ``join_fields``, at most ``max_chars`` characters."""
    return text.strip().split("\n", 1)[0][:max_chars]
