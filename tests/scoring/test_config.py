"""考核参数: stored JSON merged with a domain's defaults, checked, and read from the admin's text."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from smartgov.errors import ValidationFailed
from smartgov.scoring import DEFAULT_BANDS, DEFAULT_GRADES, ScoreConfig, Weights, parse_bands, parse_grades


class WindowConfig(ScoreConfig):
    """A toy domain: one group of two components."""

    default_weights: ClassVar[Weights] = {"window": {"speed": 60, "quality": 40}}
    labels: ClassVar[dict[str, str]] = {"window": "窗口"}


def test_missing_parts_come_from_the_defaults() -> None:
    config = WindowConfig.from_dict(None)
    assert config == WindowConfig.from_dict({})
    assert config.weights == {"window": {"speed": 60, "quality": 40}}
    assert (config.bands, config.grades) == (DEFAULT_BANDS, DEFAULT_GRADES)


def test_stored_weights_change_only_known_components() -> None:
    config = WindowConfig.from_dict({
        "weights": {"window": {"speed": "50", "quality": 50, "color": 10}, "other": {"x": 100}},
        "bands": [["10", "100"], [0, 50]], "grades": [["优", 80], ["差", 0]]})
    assert config.weights == {"window": {"speed": 50.0, "quality": 50.0}}
    assert config.bands == ((10, 100.0), (0, 50.0))
    assert config.grades == (("优", 80.0), ("差", 0.0))


def test_to_dict_is_read_back() -> None:
    config = WindowConfig.from_dict({"weights": {"window": {"speed": 70, "quality": 30}}})
    data = config.to_dict()
    assert data == {"weights": {"window": {"speed": 70, "quality": 30}},
                    "bands": [list(b) for b in DEFAULT_BANDS], "grades": [list(g) for g in DEFAULT_GRADES]}
    assert WindowConfig.from_dict(data) == config


def test_graded_weights_the_parts_and_grades_the_total() -> None:
    config = WindowConfig.from_dict(None)
    # 100 × 60 % + 70 × 40 % = 60 + 28 = 88 → B; without quality: 100 → A
    assert config.graded("window", {"speed": 100, "quality": 70}) == (88, "B")
    assert config.graded("window", {"speed": 100, "quality": None}) == (100, "A")
    assert config.graded("window", {"speed": None}) == (None, None)


@pytest.mark.parametrize("weights", [{"speed": 100.005, "quality": 0}, {"speed": 99.995, "quality": 0}])
def test_weights_may_miss_100_by_a_rounding(weights: dict[str, float]) -> None:
    WindowConfig(weights={"window": weights}).validate()


@pytest.mark.parametrize(("data", "code"), [
    ({"weights": {"window": {"speed": 70}}}, "bad_weights"),          # 110 %
    ({"weights": {"window": {"speed": 50}}}, "bad_weights"),          # 90 %
    ({"weights": {"window": {"speed": 100.02, "quality": 0}}}, "bad_weights"),
    ({"weights": {"window": {"speed": 100.5, "quality": -0.5}}}, "bad_weights"),
    ({"bands": [[100, 100.5]]}, "bad_bands"),
    ({"bands": [[100, -0.5]]}, "bad_bands"),
    ({"bands": [[-1, 10]]}, "bad_bands"),
    ({"bands": [[5, 10], [5, 20]]}, "bad_bands"),
    ({"grades": [["A", 90], ["A", 80]]}, "bad_grades"),
    ({"grades": [[" ", 90]]}, "bad_grades"),
    ({"grades": [["A", 100.5]]}, "bad_grades"),
    ({"grades": [["A", -0.5]]}, "bad_grades"),
])
def test_bad_settings_are_refused(data: dict[str, Any], code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        WindowConfig.from_dict(data)
    assert refused.value.code == code


def test_edges_of_the_checks_are_allowed() -> None:
    WindowConfig.from_dict({"bands": [[0, 0], [1, 100]], "grades": [["A", 100], ["E", 0]]})


def test_empty_bands_or_grades_are_refused() -> None:
    for config, code in ((WindowConfig(bands=()), "bad_bands"), (WindowConfig(grades=()), "bad_grades")):
        with pytest.raises(ValidationFailed) as refused:
            config.validate()
        assert refused.value.code == code


def test_messages_name_the_group_by_its_label() -> None:
    with pytest.raises(ValidationFailed, match="「窗口」的权重合计为 90%"):
        WindowConfig.from_dict({"weights": {"window": {"speed": 50}}})
    with pytest.raises(ValidationFailed, match="「unnamed」的权重不能为负数"):
        ScoreConfig(weights={"unnamed": {"a": 110, "b": -10}}).validate()


def test_parse_bands_and_grades_from_lines() -> None:
    assert parse_bands("101 40\n2001 100\n\n0，0") == ((2001, 100), (101, 40), (0, 0))
    assert parse_grades("B 75\nA,90\n") == (("A", 90), ("B", 75))
    assert parse_bands("") == () and parse_grades(" \n") == ()


@pytest.mark.parametrize(("parse", "text", "line", "code"), [
    (parse_bands, "2001 100\n\nabc 1", 3, "bad_bands"),
    (parse_bands, "2001", 1, "bad_bands"),
    (parse_bands, "1.5 10", 1, "bad_bands"),
    (parse_grades, "A 90\nB", 2, "bad_grades"),
    (parse_grades, "A x", 1, "bad_grades"),
])
def test_a_malformed_line_is_named(parse: Any, text: str, line: int, code: str) -> None:
    with pytest.raises(ValidationFailed, match=f"第 {line} 行") as refused:
        parse(text)
    assert refused.value.code == code
