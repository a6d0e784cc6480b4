"""Sensitive words: each variant of a term is found (繁体, 全角, inserted symbols, pinyin), and pinyin
initials only as a whole Latin word."""

from __future__ import annotations

import pytest

from smartgov.opinion.words import SensitiveMatcher, normalise, sensitivity

TERMS = [("贪污", "corruption", 80), ("上访", "stability", 60), ("聚集", "mass_incident", 50)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他贪污了公款", [("贪污", "exact")]),
        ("他貪污了公款", [("贪污", "exact")]),  # 繁体
        ("他贪．污了", [("贪污", "exact")]),  # full-width symbol inserted
        ("他贪*污*了", [("贪污", "exact")]),
        ("他ｔａｎｗｕ了", [("贪污", "pinyin")]),  # full-width full pinyin
        ("去SF吧", [("上访", "pinyin")]),  # initials, upper case
        ("明天 s.f 去", [("上访", "pinyin")]),
        ("在门口聚 集", [("聚集", "exact")]),
        ("twitter 上的消息", []),  # initials inside a Latin word do not count
        ("sfx", []),
        ("一切正常", []),
    ],
)
def test_variants(text: str, expected: list[tuple[str, str]]) -> None:
    hits = SensitiveMatcher(TERMS).find(text)
    assert [(h.term, h.variant) for h in hits] == expected


def test_each_term_and_category_is_reported_once() -> None:
    hits = SensitiveMatcher(TERMS).find("上访上访 shangfang 聚集")
    assert sorted((h.term, h.category) for h in hits) == [("上访", "stability"), ("聚集", "mass_incident")]


def test_normalise() -> None:
    assert normalise("Ａｂ，貪汙 12！") == "ab贪污12"


@pytest.mark.parametrize(("weights", "expected"), [([], 0), ([60], 60), ([60, 50], 65), ([90, 90, 90], 100)])
def test_sensitivity(weights: list[int], expected: int) -> None:
    terms = [(f"词{i}{'甲乙丙'[i]}", "stability", w) for i, w in enumerate(weights)]
    text = "".join(t for t, _, _ in terms)
    assert sensitivity(SensitiveMatcher(terms).find(text)) == expected
