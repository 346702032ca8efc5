"""Secrets at rest and in flight, under one key kept in the data directory.

- Passwords are hashed with scrypt (one-way).
- Access-key secrets are encrypted (Fernet): verifying a signature needs the secret.
- Tokens and temporary security tokens are sealed claims (Fernet), so they need no
  table; revocation is checked on use (account and user enabled, password unchanged).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from welkin.core import errors
from welkin.core.durable import write_durably
from welkin.iam.models import TemporaryKeyClaims, TokenClaims

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 1 << 14, 8, 1


def load_or_create_key(path: Path) -> bytes:
    """The data directory's key, created (mode 0600) on first use."""
    if path.exists():
        return path.read_bytes().strip()
    # Written whole under a temporary name, then renamed: a crash leaves no key or the
    # whole key, never an empty file that would stop the next start.
    key = Fernet.generate_key()
    staging = path.with_name(f".{path.name}.tmp")
    staging.unlink(missing_ok=True)  # left by a crash before the rename
    write_durably(staging, path, [key])
    return key


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    encoded = (base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded[0]}${encoded[1]}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        # Spend the same time as a real check so timing does not reveal which users exist.
        hashlib.scrypt(password.encode(), salt=b"0" * 16, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
        return False
    _scheme, n, r, p, salt, digest = stored.split("$")
    computed = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(computed, base64.b64decode(digest))


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _dt(value: object) -> datetime:
    return datetime.fromtimestamp(int(str(value)), UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ts_us(moment: datetime) -> int:
    # Exact integer microseconds: a password change must revoke a token issued the same second.
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _dt_us(value: object) -> datetime:
    return _EPOCH + timedelta(microseconds=int(str(value)))


class Keyring:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        return self._fernet.decrypt(ciphertext.encode()).decode()

    def _seal(self, kind: str, claims: dict[str, object]) -> str:
        return self._fernet.encrypt(
            json.dumps({"k": kind, **claims}, separators=(",", ":")).encode()
        ).decode()

    def _open(self, kind: str, sealed: str, error: type[errors.WelkinError]) -> dict[str, object]:
        try:
            claims = json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError, UnicodeError) as exc:
            raise error("The token is not valid.") from exc
        if not isinstance(claims, dict) or claims.get("k") != kind:
            raise error("The token is not valid.")
        return claims

    def seal_token(self, claims: TokenClaims) -> str:
        return self._seal(
            "token",
            {
                "u": claims.user_id,
                "a": claims.account_id,
                "p": claims.project_id,
                "m": list(claims.methods),
                "i": _ts_us(claims.issued_at),
                "e": _ts(claims.expires_at),
            },
        )

    def open_token(self, sealed: str) -> TokenClaims:
        raw = self._open("token", sealed, errors.InvalidToken)
        project = raw.get("p")
        methods = raw.get("m")
        return TokenClaims(
            user_id=str(raw["u"]),
            account_id=str(raw["a"]),
            project_id=str(project) if project else None,
            methods=tuple(str(m) for m in methods) if isinstance(methods, list) else (),
            issued_at=_dt_us(raw["i"]),
            expires_at=_dt(raw["e"]),
        )

    def seal_temporary_key(self, claims: TemporaryKeyClaims) -> str:
        return self._seal(
            "sts",
            {
                "ak": claims.access_key,
                "sk": claims.secret_key,
                "u": claims.user_id,
                "a": claims.account_id,
                "g": claims.agency_id,
                "e": _ts(claims.expires_at),
            },
        )

    def open_temporary_key(self, sealed: str) -> TemporaryKeyClaims:
        raw = self._open("sts", sealed, errors.InvalidToken)
        agency = raw.get("g")
        return TemporaryKeyClaims(
            access_key=str(raw["ak"]),
            secret_key=str(raw["sk"]),
            user_id=str(raw["u"]),
            account_id=str(raw["a"]),
            agency_id=str(agency) if agency else None,
            expires_at=_dt(raw["e"]),
        )
