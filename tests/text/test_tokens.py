"""分词 and the "title\\nbody" text: jieba words without blanks, fields joined, the title read back."""

from __future__ import annotations

from smartgov.text import TITLE_MAX_CHARS, join_fields, segment, title_of


def test_segment_drops_blank_tokens_and_keeps_every_character() -> None:
    words = segment(" 路灯  坏了\n三天 ")
    assert words and all(w.strip() == w and w for w in words)
    assert "".join(words) == "路灯坏了三天"
    assert segment("") == [] and segment(" \n ") == []


def test_join_fields_puts_the_title_first_and_flattens_each_field() -> None:
    assert join_fields(["  题目 ", None, "第一行\n 第二行", ""]) == "题目\n第一行 第二行"
    assert join_fields([None, "正文"]) == "正文"
    assert join_fields([]) == ""


def test_title_of_reads_the_first_line_back() -> None:
    assert title_of(join_fields(["路灯不亮", "晚上很黑"])) == "路灯不亮"
    assert title_of("\n  标题\n正文") == "标题"
    assert TITLE_MAX_CHARS == 60
    assert title_of("字" * 60) == "字" * 60
    assert title_of("字" * 61) == "字" * 60
    assert title_of("abc", max_chars=2) == "ab"
