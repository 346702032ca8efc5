"""The ``Principal`` element of a bucket policy: who a statement speaks of.

Accepted forms::

    "Principal": "*"                                   anyone, signed or not
    "Principal": {"AWS": "*"}                          the same
    "Principal": {"ID": ["domain/<account-id>:root",    an account and all its users
                         "domain/<account-id>:user/<user-id>"]}   one user, by id
    "Principal": {"AWS": ["arn:aws:iam::<account-id>:root",
                          "arn:aws:iam::<account-id>:user/<user-name>",  one user, by name
                          "<account-id>"]}

``ID`` is OBS's key and ``AWS`` S3's; either takes either spelling, one string or a
list. A user part of ``*`` means every user of that account.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from welkin.obs.errors import MalformedPolicy
from welkin.obs.requester import Requester

_ACCOUNT = r"[A-Za-z0-9_-]+"
_OBS_FORM = re.compile(rf"domain/(?P<account>{_ACCOUNT}):(?:(?P<root>root)|user/(?P<user>[^\s/]+))")
_ARN_FORM = re.compile(rf"arn:aws:iam::(?P<account>{_ACCOUNT}):(?:(?P<root>root)|user/(?P<user>[^\s/]+))")
_BARE_ACCOUNT = re.compile(rf"(?P<account>{_ACCOUNT})")
_KEYS = frozenset({"AWS", "ID"})


class PrincipalKind(enum.Enum):
    ANYONE = "anyone"
    ACCOUNT = "account"
    USER_ID = "user-id"
    USER_NAME = "user-name"


@dataclass(frozen=True, slots=True)
class PrincipalPattern:
    kind: PrincipalKind
    account_id: str | None = None
    user: str | None = None
    """A user id or user name, per ``kind``; ``*`` for every user of the account."""

    def includes(self, requester: Requester) -> bool:
        if self.kind is PrincipalKind.ANYONE:
            return True
        if requester.is_anonymous or requester.account_id != self.account_id:
            return False
        if self.kind is PrincipalKind.ACCOUNT or self.user == "*":
            return True
        named = requester.user_id if self.kind is PrincipalKind.USER_ID else requester.user_name
        return named == self.user


ANYONE = PrincipalPattern(PrincipalKind.ANYONE)


def parse_principal(raw: object, where: str) -> tuple[PrincipalPattern, ...]:
    """Validate a ``Principal``/``NotPrincipal`` value; raise :class:`MalformedPolicy` if bad."""
    if raw == "*":
        return (ANYONE,)
    if not isinstance(raw, Mapping) or not raw:
        raise MalformedPolicy(f'{where}: must be "*" or an object with an "AWS" or "ID" list')
    unknown = sorted(str(k) for k in raw if k not in _KEYS)
    if unknown:
        raise MalformedPolicy(f"{where}: unknown principal type(s) {', '.join(unknown)}; use AWS or ID")
    patterns: list[PrincipalPattern] = []
    for key, value in raw.items():
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise MalformedPolicy(f"{where}: {key} must be a string or a non-empty list of strings")
        patterns.extend(_parse_one(name, where) for name in names)
    return tuple(patterns)


def _parse_one(name: str, where: str) -> PrincipalPattern:
    if name == "*":
        return ANYONE
    match = _OBS_FORM.fullmatch(name) or _ARN_FORM.fullmatch(name)
    if match is not None:
        account = match["account"]
        if match["root"]:
            return PrincipalPattern(PrincipalKind.ACCOUNT, account)
        kind = PrincipalKind.USER_ID if name.startswith("domain/") else PrincipalKind.USER_NAME
        return PrincipalPattern(kind, account, match["user"])
    if _BARE_ACCOUNT.fullmatch(name):
        return PrincipalPattern(PrincipalKind.ACCOUNT, name)
    raise MalformedPolicy(
        f"{where}: invalid principal {name!r}; expected domain/<account-id>:root, "
        "domain/<account-id>:user/<user-id>, arn:aws:iam::<account-id>:root or "
        "arn:aws:iam::<account-id>:user/<user-name>"
    )
