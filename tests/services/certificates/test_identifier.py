"""ISO 7064 MOD 37,36 check characters, computed by hand, and the identifier's shape."""

from __future__ import annotations

import pytest

from smartgov.services.certificates import identifier

# Worked by hand with the hybrid system (M = 36): p = 36; for each char p = ((p + v) mod 36 or 36) * 2
# mod 37; check = (37 - p) mod 36.
#   "A" (10): p = 46 mod 36 = 10 → 20; check = 17 → "H"
#   "0" (0):  p = 36 mod 36 = 0 → 36 → 72 mod 37 = 35; check = 2 → "2"
#   "Z" (35): p = 71 mod 36 = 35 → 70 mod 37 = 33; check = 4 → "4"
#   "10":     "1": p = 37 mod 36 = 1 → 2; "0": p = 2 → 4; check = 33 → "X"
VECTORS = [("A", "H"), ("0", "2"), ("Z", "4"), ("10", "X")]


@pytest.mark.parametrize(("text", "check"), VECTORS)
def test_check_character_vectors(text: str, check: str) -> None:
    assert identifier.mod37_36(text) == check


def test_a_valid_string_with_its_check_character_ends_at_one() -> None:
    # the defining property of ISO 7064 hybrid systems: running over text + check leaves p = 1 before x2
    for text, check in VECTORS:
        p = 36
        for char in text + check:
            p = (p + identifier.ALPHABET.index(char)) % 36 or 36
            p_last = p
            p = p * 2 % 37
        assert p_last == 1


def test_built_identifier_has_the_gbt_36901_shape_and_validates() -> None:
    ident = identifier.build("11100000000013338W001", "SHICHANG", 42, 1)
    assert ident.startswith("1.2.156.3005.2.11100000000013338W001.SHICHANG.00000000000042.001.")
    assert identifier.is_valid(ident)


def test_any_changed_character_fails_the_check() -> None:
    ident = identifier.build("11100000000013338W001", "SHICHANG", 42, 1)
    body, check = ident.rsplit(".", 1)
    assert not identifier.is_valid(ident.replace(".00000000000042.", ".00000000000043."))
    other = "0" if check != "0" else "1"
    assert not identifier.is_valid(f"{body}.{other}")
    assert not identifier.is_valid("1.2.156.3005.2.garbage")
