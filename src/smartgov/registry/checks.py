"""Check characters of the national identifiers: 公民身份号码 (GB 11643) and 统一社会信用代码 (GB 32100)."""

from __future__ import annotations

import re
from datetime import date
from operator import mul

# GB 11643-1999 §8.2: weight of position i (1..17) is 2^(18-i) mod 11; check = (12 - S mod 11) mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECKS = "10X98765432"  # indexed by S mod 11
_ID_RE = re.compile(r"^\d{17}[\dX]$")

# GB 32100-2015: 31 characters (no I, O, Z, S, V); weights 3^(i-1) mod 31; check = 31 - S mod 31.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$")


def id_check_char(first17: str) -> str:
    """The 18th character (校验码) of a 公民身份号码 from its first 17 digits."""
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    total = sum(map(mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECKS[total % 11]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-digit 公民身份号码 (Chinese), or None when it is."""
    text = value.strip().upper()
    if not _ID_RE.match(text):
        return "身份证号码应为18位：17位数字加1位数字或X"
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1850:
        return "身份证号码中的出生日期无效"
    if id_check_char(text[:17]) != text[17]:
        return "身份证号码校验码错误"
    return None


def birth_date_of(id_number: str) -> date:
    """出生日期 encoded in positions 7–14 of a valid 公民身份号码."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number: str) -> str:
    """性别 from the 17th digit (顺序码): odd male, even female; "男" or "女"."""
    return "男" if int(id_number[16]) % 2 else "女"


def credit_check_char(first17: str) -> str:
    """The 18th character (校验码) of a 统一社会信用代码 from its first 17 characters."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 统一社会信用代码 (Chinese), or None when it is."""
    text = value.strip().upper()
    if not _CREDIT_RE.match(text):
        return "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
    if credit_check_char(text[:17]) != text[17]:
        return "统一社会信用代码校验码错误"
    return None
