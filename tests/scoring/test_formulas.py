"""绩效评分 formulas worked out by hand: rates, bands at every edge, grades on both sides of a line."""

from __future__ import annotations

import pytest

from smartgov.scoring import (
    DEFAULT_BANDS,
    DEFAULT_GRADES,
    band_score,
    grade_of,
    inverse,
    pct,
    rate,
    weighted_score,
)


def test_rate_divides_safely() -> None:
    assert rate(1, 4) == 0.25
    assert rate(5, 5) == 1.0
    assert rate(0, 5) == 0.0
    assert rate(3, 0) is None
    assert rate(0, 0) is None
    assert rate(3, -1) is None


def test_pct_and_inverse() -> None:
    assert pct(0.25) == 25.0 and pct(0) == 0 and pct(None) is None
    assert inverse(0.25) == 75.0
    assert inverse(0) == 100.0 and inverse(1) == 0.0
    assert inverse(1.5) == 0.0  # never below zero
    assert inverse(None) is None


@pytest.mark.parametrize(("count", "score"), [
    (100_000, 100), (2001, 100), (2000, 90), (1201, 90), (1200, 75), (501, 75), (500, 60),
    (301, 60), (300, 40), (101, 40), (100, 0), (1, 0), (0, 0), (-1, 0)])
def test_default_band_edges(count: int, score: float) -> None:
    assert band_score(count) == score


def test_bands_in_any_order_and_below_the_lowest() -> None:
    bands = ((10, 50), (20, 80))
    assert [band_score(n, bands) for n in (25, 20, 19, 10, 9)] == [80, 80, 50, 50, 0.0]
    assert DEFAULT_BANDS == ((2001, 100), (1201, 90), (501, 75), (301, 60), (101, 40), (0, 0))


@pytest.mark.parametrize(("score", "grade"), [
    (100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.99, "C"), (60, "C"), (59.99, "D"),
    (40, "D"), (39.99, "E"), (0, "E"), (None, None)])
def test_every_grade_on_both_sides_of_its_line(score: float | None, grade: str | None) -> None:
    assert grade_of(score) == grade


def test_grades_in_any_order_and_below_every_line() -> None:
    grades = (("差", 30), ("优", 80))
    assert [grade_of(s, grades) for s in (80, 79.99, 30, 10)] == ["优", "差", "差", "差"]
    assert DEFAULT_GRADES == (("A", 90), ("B", 75), ("C", 60), ("D", 40), ("E", 0))


def test_weighted_score_leaves_out_parts_without_value_or_weight() -> None:
    # (80 × 40 + 50 × 20 + 60 × 40) / 100 = 6600 / 100 = 66
    assert weighted_score({"a": 80, "b": 50, "c": 60}, {"a": 40, "b": 20, "c": 40}) == 66
    # b has no value: (80 × 40 + 60 × 40) / 80 = 70
    assert weighted_score({"a": 80, "b": None, "c": 60}, {"a": 40, "b": 20, "c": 40}) == 70
    # c has no weight (missing, zero or negative): 80 × 40 / 40
    assert weighted_score({"a": 80, "c": 60}, {"a": 40}) == 80
    assert weighted_score({"a": 80, "c": 60}, {"a": 40, "c": 0}) == 80
    assert weighted_score({"a": 80, "c": 60}, {"a": 40, "c": -10}) == 80
    assert weighted_score({"a": None}, {"a": 100}) is None
    assert weighted_score({}, {"a": 100}) is None


def test_weighted_score_rounds_to_hundredths() -> None:
    # (100 × 1 + 0 × 2) / 3 = 33.333…
    assert weighted_score({"a": 100, "b": 0}, {"a": 1, "b": 2}) == 33.33
    # (100 × 2 + 0 × 1) / 3 = 66.666…
    assert weighted_score({"a": 100, "b": 0}, {"a": 2, "b": 1}) == 66.67
