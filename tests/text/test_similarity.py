"""近似重复 helpers on toy texts: bigrams, SimHash with a given token hash, Hamming, Jaccard."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smartgov.text import (
    NEAR_IDENTICAL_JACCARD,
    SHINGLE_SKIP,
    SIMHASH_PREFILTER,
    hamming,
    jaccard,
    near_duplicate,
    shingles,
    signed64,
    simhash,
    token_hash,
)

TOP = 1 << 63


def toy_hash(values: dict[str, int]) -> Callable[[str], int]:
    return lambda token: values[token]


def test_shingles_are_overlapping_bigrams_without_spaces_or_punctuation() -> None:
    assert shingles("路灯 不亮，") == ["路灯", "灯不", "不亮"]
    assert shingles("ab c") == ["ab", "bc"]
    assert shingles("路") == ["路"]
    assert shingles("") == []
    assert shingles(" \t\n" + SHINGLE_SKIP) == []
    assert SHINGLE_SKIP == "，。！？、；：,.!?;:\"'“”‘’（）()"


def test_signed64_is_the_bigint_form() -> None:
    assert signed64(0) == 0
    assert signed64(TOP - 1) == TOP - 1
    assert signed64(TOP) == -TOP
    assert signed64((1 << 64) - 1) == -1


def test_simhash_by_hand_with_a_given_token_hash() -> None:
    # "abcd" → ab, bc, cd. Bit 63: ab, bc (2 of 3) → set; bit 3: ab only (1 of 3) → clear;
    # bit 2: bc, cd → set; bit 1: ab, cd → set; bit 0: ab, bc → set. 0x8000…0007, signed.
    hashes = {"ab": TOP | 0b1011, "bc": TOP | 0b0101, "cd": 0b0110}
    assert simhash("abcd", toy_hash(hashes)) == (TOP | 0b0111) - (1 << 64) == -TOP + 7


def test_simhash_needs_more_than_half() -> None:
    # "abcde" → ab, bc, cd, de. Bit 0 in 2 of 4 (a tie) → clear; bit 1 in 3 of 4 → set.
    hashes = {"ab": 0b11, "bc": 0b11, "cd": 0b10, "de": 0b00}
    assert simhash("abcde", toy_hash(hashes)) == 0b10
    assert simhash("", toy_hash({})) == 0
    assert simhash("a", toy_hash({"a": 0b101})) == 0b101  # one token: its own hash


def test_stored_values_stay_valid() -> None:
    # Values the case table already holds: BLAKE2b-64 big-endian tokens, signed result.
    assert token_hash("ab") == 1032087313592488072
    assert token_hash("路灯") == 5566215145457264662
    assert simhash("路") == 171018719790655847
    assert simhash("路灯不亮") == 693478678334360582
    assert simhash("小区东门口垃圾堆放三天无人清理") == -7955028033160337348


def test_hamming_counts_differing_bits_of_signed_values() -> None:
    assert hamming(0b1011, 0b0110) == 3
    assert hamming(5, 5) == 0
    assert hamming(-1, 0) == 64
    assert hamming(-TOP, 0) == 1


def test_jaccard_of_bigram_sets() -> None:
    assert jaccard("abc", "abd") == pytest.approx(1 / 3)  # {ab, bc} vs {ab, bd}
    assert jaccard("路灯不亮", "路灯坏了") == pytest.approx(1 / 5)
    assert jaccard("路灯", "路灯") == 1.0
    assert jaccard({"ab", "bc"}, "abd") == pytest.approx(1 / 3)
    assert jaccard("abc", {"ab"}) == 0.5
    assert jaccard("", "，") == 0.0


@pytest.mark.parametrize(("hash_b", "text_b", "expected"), [
    ((1 << 16) - 1, "abcdef", True),   # 16 bits apart, Jaccard 3/5
    ((1 << 17) - 1, "abcdef", False),  # 17 bits apart
    (0, "abcdefg", False),             # Jaccard 3/6
    (0, "abcde", True),                # Jaccard 3/4
])
def test_near_duplicate_thresholds(hash_b: int, text_b: str, expected: bool) -> None:
    assert (SIMHASH_PREFILTER, NEAR_IDENTICAL_JACCARD) == (16, 0.6)
    assert near_duplicate(0, hash_b, "abcd", text_b) is expected


def test_near_duplicate_thresholds_can_be_given() -> None:
    assert not near_duplicate(0, 0b11, "abcd", "abcd", max_distance=1)
    assert near_duplicate(0, 0, "abcd", "abcdefg", min_jaccard=0.5)
    assert not near_duplicate(0, 0, {"ab", "bc", "cd"}, "abcdefg")
