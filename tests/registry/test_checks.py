"""Check characters of GB 11643 (公民身份号码) and GB 32100 (统一社会信用代码) on published examples."""

from __future__ import annotations

import pytest

from smartgov.registry.checks import (
    birth_date_of,
    credit_code_problem,
    gender_of,
    id_check_char,
    id_number_problem,
)

# The two worked examples printed in GB 11643-1999 (annex), and one-character changes of them.
VALID_IDS = ["11010519491231002X", "440524188001010014"]
INVALID_IDS = [
    ("110105194912310021", "身份证号码校验码错误"),  # check X → 1
    ("440524188001010015", "身份证号码校验码错误"),  # check 4 → 5
    ("11010519491231002x"[:17] + "Y", "身份证号码应为18位：17位数字加1位数字或X"),
    ("1101051949123100", "身份证号码应为18位：17位数字加1位数字或X"),  # 16 characters
    ("110105194902301234", "身份证号码中的出生日期无效"),  # 30 February
]


@pytest.mark.parametrize("value", VALID_IDS)
def test_published_id_numbers_are_valid(value: str) -> None:
    assert id_number_problem(value) is None


def test_lower_case_x_is_accepted_as_x() -> None:
    assert id_number_problem("11010519491231002x") is None


@pytest.mark.parametrize(("value", "message"), INVALID_IDS)
def test_wrong_id_numbers_name_their_fault(value: str, message: str) -> None:
    assert id_number_problem(value) == message


def test_check_char_of_the_standard_example() -> None:
    # Σ(a_i·W_i) of 11010519491231002 is 167; 167 mod 11 = 2 → X (the table 1 0 X 9 8 7 6 5 4 3 2).
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


def test_birth_date_and_gender_come_from_the_number() -> None:
    assert birth_date_of("11010519491231002X").isoformat() == "1949-12-31"
    assert gender_of("11010519491231002X") == "女"  # 17th digit 2: even
    assert gender_of("440524188001010014") == "男"  # 17th digit 1: odd


# The example printed in GB 32100-2015, and one-character changes of it.
VALID_CREDIT = ["91350100M000100Y43"]
INVALID_CREDIT = [
    ("91350100M000100Y44", "统一社会信用代码校验码错误"),
    ("91350100M000100Y4", "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"),
    ("91350100M0001O0Y43", "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"),  # letter O
    ("91350100M000100Z43", "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"),  # letter Z
]


@pytest.mark.parametrize("value", VALID_CREDIT)
def test_published_credit_code_is_valid(value: str) -> None:
    assert credit_code_problem(value) is None


@pytest.mark.parametrize(("value", "message"), INVALID_CREDIT)
def test_wrong_credit_codes_name_their_fault(value: str, message: str) -> None:
    assert credit_code_problem(value) == message
