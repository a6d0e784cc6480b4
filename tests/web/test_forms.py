"""form_number: integers a form gives fit the INTEGER columns they are stored in."""

from __future__ import annotations

import pytest

from smartgov.errors import ValidationFailed
from smartgov.web.forms import form_number


@pytest.mark.parametrize("typed", ["2147483647", "-2147483647", "0", " 42 "])
def test_integers_within_an_integer_column_are_read(typed: str) -> None:
    assert form_number({"n": typed}, "n", int, "顺序") == int(typed)


@pytest.mark.parametrize("typed", ["2147483648", "-2147483648", "18446744073709551616", "9" * 5000])
def test_integers_beyond_an_integer_column_are_a_chinese_error(typed: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        form_number({"n": typed}, "n", int, "顺序")
    assert caught.value.message.startswith("顺序")
    assert caught.value.code == "bad_number"


def test_blank_is_no_value() -> None:
    assert form_number({"n": "  "}, "n", int, "顺序") is None
    assert form_number({}, "n", float, "权重") is None
