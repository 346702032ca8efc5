"""Sealed tokens and temporary keys, password hashing."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from welkin.core import errors
from welkin.iam import keyring
from welkin.iam.keyring import Keyring
from welkin.iam.models import TemporaryKeyClaims, TokenClaims

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_password_hash_checks_only_the_right_password() -> None:
    stored = keyring.hash_password("Correct-horse-1")
    assert keyring.check_password("Correct-horse-1", stored)
    assert not keyring.check_password("correct-horse-1", stored)
    assert not keyring.check_password("anything", None)
    assert "Correct-horse-1" not in stored


def test_token_round_trip_and_tamper() -> None:
    ring = Keyring(Fernet.generate_key())
    claims = TokenClaims("u1", "a1", "p1", ("password",), NOW, NOW.replace(hour=13))
    token = ring.seal_token(claims)
    assert ring.open_token(token) == claims
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(errors.InvalidToken):
        ring.open_token(tampered)
    with pytest.raises(errors.InvalidToken):
        Keyring(Fernet.generate_key()).open_token(token)


def test_a_security_token_is_not_an_auth_token() -> None:
    ring = Keyring(Fernet.generate_key())
    sealed = ring.seal_temporary_key(TemporaryKeyClaims("AK", "SK", "u1", "a1", None, NOW))
    assert ring.open_temporary_key(sealed).secret_key == "SK"
    with pytest.raises(errors.InvalidToken):
        ring.open_token(sealed)


def test_secrets_encrypt_round_trip() -> None:
    ring = Keyring(Fernet.generate_key())
    sealed = ring.encrypt("secret-key")
    assert sealed != "secret-key"
    assert ring.decrypt(sealed) == "secret-key"


def test_data_dir_key_is_created_whole_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    key = keyring.load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keyring.load_or_create_key(path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]
    Keyring(key)  # a usable Fernet key
