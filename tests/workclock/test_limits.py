"""TimeLimit: parsing, canonical text, labels and clear errors for bad text."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smartgov.workclock.service import InvalidTimeLimit, TimeLimit


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("4wh", 4, "wh"), ("3wd", 3, "wd"), ("24h", 24, "h"), ("2d", 2, "d"),
    (" 3 WD ", 3, "wd"), ("0.5h", 0.5, "h"), ("1.5wh", 1.5, "wh"),
    ("3个工作日", 3, "wd"), ("4个工作时", 4, "wh"), ("24小时", 24, "h"), ("2天", 2, "d"),
    ("5自然日", 5, "d"),
])
def test_parse_accepts_units_and_chinese_spellings(text: str, amount: float, unit: str) -> None:
    limit = TimeLimit.parse(text)
    assert (limit.amount, limit.unit) == (amount, unit)


def test_str_round_trips_to_canonical_text() -> None:
    for text in ("4wh", "3wd", "24h", "2d", "0.5h", "1.25wh"):
        assert str(TimeLimit.parse(text)) == text
    assert str(TimeLimit.parse("3个工作日")) == "3wd"
    assert str(TimeLimit.parse("2.0d")) == "2d"
    assert TimeLimit.parse("4wh") == TimeLimit(4, "wh")
    assert TimeLimit.parse(TimeLimit(4, "wh")) == TimeLimit(4, "wh")


def test_labels_and_kinds() -> None:
    assert TimeLimit.parse("3wd").label == "3个工作日"
    assert TimeLimit.parse("4wh").label == "4个工作时"
    assert TimeLimit.parse("4wh").is_working and not TimeLimit.parse("24h").is_working
    assert TimeLimit.parse("2d").fixed_duration() == timedelta(days=2)
    assert TimeLimit.parse("4wh").fixed_duration() == timedelta(hours=4)
    assert TimeLimit.parse("3wd").fixed_duration() is None


@pytest.mark.parametrize("text", ["", "4", "wh", "4x", "four wh", "-1wd", "0wh", "1.5wd",
                                  "99999wd", "3 wd 2"])
def test_bad_text_is_a_clear_validation_error(text: str) -> None:
    with pytest.raises(InvalidTimeLimit) as info:
        TimeLimit.parse(text)
    assert info.value.code == "bad_time_limit" and info.value.status_code == 422
    assert "时限" in info.value.message
