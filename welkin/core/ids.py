"""Identifiers in the shapes Huawei Cloud uses them."""

from __future__ import annotations

import secrets
import string

_AK_ALPHABET = string.ascii_uppercase + string.digits
_SK_ALPHABET = string.ascii_letters + string.digits


def new_id() -> str:
    """A 32-hex-digit id, the shape of Huawei's domain, project, user and group ids."""
    return secrets.token_hex(16)


def new_request_id() -> str:
    return secrets.token_hex(16)


def new_access_key() -> str:
    """A 20-character access key id, upper case and digits, like Huawei's and AWS's."""
    return "".join(secrets.choice(_AK_ALPHABET) for _ in range(20))


def new_secret_key() -> str:
    return "".join(secrets.choice(_SK_ALPHABET) for _ in range(40))


def new_password() -> str:
    # Letters, digits and one symbol so it meets Huawei's default password policy.
    body = "".join(secrets.choice(_SK_ALPHABET) for _ in range(18))
    return f"{body}-{secrets.randbelow(10)}"
