from __future__ import annotations

import pytest

from smartgov.auth.passwords import check_complexity, hash_password, verify_password
from smartgov.config import reset_settings
from smartgov.errors import ValidationFailed


@pytest.mark.parametrize("weak", ["Ab1!x", "alllowercase1", "ALLUPPER123", "abcdEFGH", ""])
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_complexity(weak)
    assert err.value.code == "weak_password"
    assert "密码" in err.value.message


@pytest.mark.parametrize("good", ["Test-Passw0rd", "abcd1234!", "ABCD1234x", "Zhang.San.2024"])
def test_strong_passwords_pass(good: str) -> None:
    check_complexity(good)


def test_minimum_length_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTGOV_PASSWORD_MIN_LENGTH", "12")
    reset_settings()
    try:
        with pytest.raises(ValidationFailed):
            check_complexity("Abcdef12!")
        check_complexity("Abcdef12!xyz")
    finally:
        monkeypatch.delenv("SMARTGOV_PASSWORD_MIN_LENGTH")
        reset_settings()


def test_argon2_hash_and_verify() -> None:
    h = hash_password("Test-Passw0rd")
    assert h.startswith("$argon2id$")
    assert "Test-Passw0rd" not in h
    assert verify_password(h, "Test-Passw0rd")
    assert not verify_password(h, "test-passw0rd")
    assert not verify_password("not-a-hash", "Test-Passw0rd")
    assert hash_password("Test-Passw0rd") != h  # salted
