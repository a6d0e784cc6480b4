"""Chinese word segmentation (分词) and the "title\\nbody" text of a request or article."""

from __future__ import annotations

import logging
from collections.abc import Iterable

TITLE_MAX_CHARS = 60
SUMMARY_MAX_CHARS = 40
SENTENCE_ENDS = "。！？!?；;"
CLAUSE_ENDS = "，,、：:"
ELLIPSIS = "…"

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


def add_words(words: Iterable[str]) -> int:
    """用户词典: teach jieba words it must keep whole (place and department names); returns how many."""
    import jieba

    segment("")  # jieba loads quietly first
    added = 0
    for word in words:
        word = word.strip()
        if len(word) >= 2 and not any(ch.isspace() for ch in word):
            jieba.add_word(word, freq=20_000)
            added += 1
    return added


def join_fields(parts: Iterable[str | None]) -> str:
    """One text from its fields (字段合并): the first is the title line, newlines inside fields go."""
    cleaned = [" ".join((p or "").split()) for p in parts]
    return "\n".join(p for p in cleaned if p)


def title_of(text: str, max_chars: int = TITLE_MAX_CHARS) -> str:
    """题目: the first line of a text made by ``join_fields``, at most ``max_chars`` characters."""
    return text.strip().split("\n", 1)[0][:max_chars]


def summary_of(text: str, max_chars: int = SUMMARY_MAX_CHARS) -> str:
    """摘要: the opening of a text as a short title, cut at a sentence end, else at a clause
    mark (…), else between jieba words (…); never in the middle of a word."""
    line = " ".join(text.strip().split("\n", 1)[0].split())
    if len(line) <= max_chars:
        return line.rstrip(SENTENCE_ENDS) or line
    head = line[: max_chars + 1]
    sentence = max((head.rfind(p) for p in SENTENCE_ENDS), default=-1)
    if sentence > 0:
        return line[:sentence]
    room = line[: max_chars]  # the ellipsis takes the last place
    clause = max((room.rfind(p) for p in CLAUSE_ENDS), default=-1)
    if clause > 0:
        return line[:clause] + ELLIPSIS
    end, pos = 0, 0
    for word in segment(line):
        pos = line.find(word, pos) + len(word)
        if pos > max_chars - len(ELLIPSIS):
            break
        end = pos
    return (line[:end] if end else line[: max_chars - len(ELLIPSIS)]).rstrip() + ELLIPSIS
