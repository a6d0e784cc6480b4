"""分词 and the "title\\nbody" text: jieba words without blanks, fields joined, the title read back."""

from __future__ import annotations

from smartgov.text import SUMMARY_MAX_CHARS, TITLE_MAX_CHARS, join_fields, segment, summary_of, title_of


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


def test_summary_of_cuts_at_a_sentence_then_a_clause_then_between_words() -> None:
    assert SUMMARY_MAX_CHARS == 40
    assert summary_of("路灯不亮，晚上很黑。") == "路灯不亮，晚上很黑"  # fits: the whole first line
    assert summary_of("  路灯不亮\n第二行") == "路灯不亮"
    assert summary_of("路灯坏了。" + "字" * 50) == "路灯坏了"  # the sentence end within the limit
    assert summary_of("路灯坏了，" + "字" * 50) == "路灯坏了…"  # else the last clause mark
    words = "小区门口垃圾堆放多日无人清理气味很大附近居民反映强烈希望有关部门尽快安排人员清理干净谢谢大家"
    cut = summary_of(words)
    assert cut.endswith("…") and len(cut) <= 40
    assert words.startswith(cut[:-1]) and cut[:-1].endswith("人员")  # between jieba words
    assert summary_of("The streetlight on Jianguo Road has been broken for three days already") == (
        "The streetlight on Jianguo Road has…")


def test_summary_of_boundaries_of_the_limit() -> None:
    assert summary_of("字" * 40) == "字" * 40
    assert summary_of("字" * 40 + "。后文") == "字" * 40  # a sentence end right after the limit
    assert summary_of("甲" * 10 + "。" + "字" * 40, max_chars=10) == "甲" * 10
    cut = summary_of("字" * 41)  # one over: cut between jieba's words, marked
    assert cut.endswith("…") and len(cut) <= 40
