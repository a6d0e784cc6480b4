"""绩效评分 formulas: rates, volume bands (分档), weighted totals and grades, on plain numbers.

A rate with an empty denominator is ``None``; a part without a value is left out of the
weighted total and the remaining weights are scaled up to 100 %. No part at all: no score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Bands = tuple[tuple[int, float], ...]
Grades = tuple[tuple[str, float], ...]

# (lowest count of the band, score): ≥2001→100, 1201–2000→90, 501–1200→75, 301–500→60,
# 101–300→40, ≤100→0.
DEFAULT_BANDS: Bands = ((2001, 100), (1201, 90), (501, 75), (301, 60), (101, 40), (0, 0))
DEFAULT_GRADES: Grades = (("A", 90), ("B", 75), ("C", 60), ("D", 40), ("E", 0))


def rate(numerator: int, denominator: int) -> float | None:
    """比率: numerator / denominator, or None when there is nothing to divide by."""
    if denominator <= 0:
        return None
    return numerator / denominator


def pct(value: float | None) -> float | None:
    """A 0–1 rate as a 0–100 score part (百分制)."""
    return None if value is None else value * 100


def inverse(value: float | None) -> float | None:
    """(1 − rate) as a 0–100 score part, for 返工率 and 漏报率; never below 0."""
    return None if value is None else max(0.0, 1 - value) * 100


def band_score(count: int, bands: Sequence[tuple[int, float]] = DEFAULT_BANDS) -> float:
    """数量分值: the score of the band the count falls in; 0 below the lowest band."""
    for low, score in sorted(bands, reverse=True):
        if count >= low:
            return score
    return 0.0


def grade_of(score: float | None, grades: Sequence[tuple[str, float]] = DEFAULT_GRADES) -> str | None:
    """等级: the first grade whose line the score reaches (A ≥ 90 … E below 40); None without a
    score, the lowest grade below every line."""
    if score is None:
        return None
    ordered = sorted(grades, key=lambda g: -g[1])
    for letter, low in ordered:
        if score >= low:
            return letter
    return ordered[-1][0]


def weighted_score(components: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """加权得分: Σ part × weight / Σ weight over the parts that have a value (0–100, to 0.01)."""
    used = [(value, weights.get(key, 0)) for key, value in components.items()
            if value is not None and weights.get(key, 0) > 0]
    total = sum(w for _, w in used)
    if total <= 0:
        return None
    return round(sum(v * w for v, w in used) / total, 2)
