"""考核参数: weights per group of components, volume bands and grade lines — stored as JSON,
edited as text on an admin screen, checked before use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, TypeVar

from smartgov.errors import ValidationFailed
from smartgov.scoring.formulas import DEFAULT_BANDS, DEFAULT_GRADES, Bands, Grades, grade_of, weighted_score

Weights = Mapping[str, Mapping[str, float]]
T = TypeVar("T")


@dataclass(frozen=True)
class ScoreConfig:
    """考核参数: weights (percent per component of each group), volume bands and grade lines.

    A domain subclasses it with its ``default_weights`` (which also fix the groups and
    components a stored setting may change) and the ``labels`` its messages name groups by.
    """

    default_weights: ClassVar[Weights] = {}
    labels: ClassVar[Mapping[str, str]] = {}

    weights: Weights = field(default_factory=dict)
    bands: Bands = DEFAULT_BANDS
    grades: Grades = DEFAULT_GRADES

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``from_dict`` reads back."""
        return {"weights": {s: dict(w) for s, w in self.weights.items()},
                "bands": [list(b) for b in self.bands], "grades": [list(g) for g in self.grades]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Self:
        """Settings from stored JSON, every missing part taken from the defaults; checked."""
        config = cls(**cls.fields_from(data or {}))
        config.validate()
        return config

    @classmethod
    def fields_from(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """The constructor's arguments from stored JSON; unknown groups and components ignored."""
        weights = {s: dict(w) for s, w in cls.default_weights.items()}
        for key, value in (data.get("weights") or {}).items():
            if key in weights and isinstance(value, Mapping):
                weights[key].update({k: float(v) for k, v in value.items() if k in weights[key]})
        return {"weights": weights,
                "bands": tuple((int(lo), float(score)) for lo, score in data.get("bands") or DEFAULT_BANDS),
                "grades": tuple((str(g), float(lo)) for g, lo in data.get("grades") or DEFAULT_GRADES)}

    def validate(self) -> None:
        """Weights ≥ 0 summing to 100 per group; bands and grades well formed; else 422."""
        for key, weights in self.weights.items():
            label = self.labels.get(key, key)
            if any(w < 0 for w in weights.values()):
                raise ValidationFailed(f"「{label}」的权重不能为负数", code="bad_weights")
            if abs(sum(weights.values()) - 100) > 0.01:
                raise ValidationFailed(f"「{label}」的权重合计为 {sum(weights.values()):g}%，应为 100%",
                                       code="bad_weights")
        if not self.bands:
            raise ValidationFailed("至少需要一个数量分档", code="bad_bands")
        lows = [lo for lo, _ in self.bands]
        if len(set(lows)) != len(lows) or any(lo < 0 for lo in lows):
            raise ValidationFailed("数量分档的下限须为不重复的非负整数", code="bad_bands")
        if any(not 0 <= score <= 100 for _, score in self.bands):
            raise ValidationFailed("数量分档的分值须在 0–100 之间", code="bad_bands")
        letters = [g for g, _ in self.grades]
        if not self.grades or len(set(letters)) != len(letters) or any(not g.strip() for g in letters):
            raise ValidationFailed("等级名称须不为空且不重复", code="bad_grades")
        if any(not 0 <= lo <= 100 for _, lo in self.grades):
            raise ValidationFailed("等级分数线须在 0–100 之间", code="bad_grades")

    def graded(self, group: str, components: Mapping[str, float | None]) -> tuple[float | None, str | None]:
        """得分与等级 of one row: its parts weighted by the group's weights, and the grade."""
        score = weighted_score(components, self.weights[group])
        return score, grade_of(score, self.grades)


def _parse_lines(text: str, convert: Callable[[list[str]], T], message: str, code: str) -> list[T]:
    """One value per non-empty line, its words split at spaces or commas (全角 too); 422 naming
    the first line ``convert`` cannot read."""
    values = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        parts = line.replace(",", " ").replace("，", " ").split()
        if not parts:
            continue
        try:
            values.append(convert(parts))
        except (ValueError, IndexError):
            raise ValidationFailed(message.format(number=number), code=code) from None
    return values


def parse_bands(text: str) -> Bands:
    """数量分档 from lines "下限 分值" (e.g. "2001 100"), highest first; 422 on a malformed line."""
    bands = _parse_lines(text, lambda p: (int(p[0]), float(p[1])),
                         "数量分档第 {number} 行应为「下限 分值」，例如 2001 100", "bad_bands")
    return tuple(sorted(bands, reverse=True))


def parse_grades(text: str) -> Grades:
    """等级 lines from "等级 分数线" (e.g. "A 90"), highest first; 422 on a malformed line."""
    grades = _parse_lines(text, lambda p: (p[0], float(p[1])),
                          "等级第 {number} 行应为「等级 分数线」，例如 A 90", "bad_grades")
    return tuple(sorted(grades, key=lambda g: -g[1]))
