"""The policy of a browser POST upload: what the form may contain, and until when.

The policy is a base64 JSON document ``{"expiration": ISO time, "conditions": [...]}``
signed by whoever hands the form out. Each condition is one of::

    {"name": "value"}                      exact match (the same as "eq")
    ["eq", "$name", "value"]
    ["starts-with", "$name", "prefix"]     "" matches anything
    ["content-length-range", min, max]     the file's size, checked while it streams

Field names are case-insensitive and a missing field reads as "". As in S3, every form
field but the signature, the policy, the file and ``x-ignore-*`` must be named by some
condition, so a signed form cannot be given fields its signer did not allow.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from welkin.core import errors as core
from welkin.obs import errors

# Fields a policy does not have to mention.
_EXEMPT = frozenset({"x-amz-signature", "policy", "file", "signature", "awsaccesskeyid"})
_INVALID = "Invalid according to Policy: "


@dataclass(frozen=True)
class Condition:
    operator: str  # "eq" or "starts-with"
    field: str  # lower-case, without "$"
    value: str

    def holds(self, fields: Mapping[str, str]) -> bool:
        actual = fields.get(self.field, "")
        if self.operator == "eq":
            return actual == self.value
        if self.field == "content-type":
            # A browser may send several types; each must start with the prefix.
            return all(part.strip().startswith(self.value) for part in actual.split(","))
        return actual.startswith(self.value)

    def describe(self) -> str:
        return json.dumps([self.operator, f"${self.field}", self.value])


@dataclass(frozen=True)
class LengthRange:
    minimum: int
    maximum: int


@dataclass(frozen=True)
class PostPolicy:
    expiration: datetime
    conditions: tuple[Condition, ...]
    length: LengthRange | None

    def check(self, fields: Mapping[str, str], now: datetime) -> None:
        """Raise AccessDenied unless ``fields`` (lower-case names, ``bucket`` included) obey it."""
        if now >= self.expiration:
            raise core.AccessDenied(_INVALID + "Policy expired.")
        for condition in self.conditions:
            if not condition.holds(fields):
                raise core.AccessDenied(_INVALID + "Policy Condition failed: " + condition.describe())
        covered = {c.field for c in self.conditions} | {"bucket"}
        extra = sorted(
            name
            for name in fields
            if name not in covered and name not in _EXEMPT and not name.startswith("x-ignore-")
        )
        if extra:
            listed = ", ".join(f"[{name}]" for name in extra)
            raise core.AccessDenied(_INVALID + f"Extra input fields: {listed}")


def parse_post_policy(encoded: str) -> PostPolicy:
    """Read the base64 policy of a form; InvalidPolicyDocument when it is not one."""
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise errors.InvalidPolicyDocument("Invalid Policy: Invalid JSON.") from None
    if not isinstance(document, dict):
        raise errors.InvalidPolicyDocument("Invalid Policy: the policy must be a JSON object.")
    expiration = _expiration(document.get("expiration"))
    raw_conditions = document.get("conditions")
    if not isinstance(raw_conditions, list):
        raise errors.InvalidPolicyDocument("Invalid Policy: Policy missing conditions.")
    conditions: list[Condition] = []
    length: LengthRange | None = None
    for raw in raw_conditions:
        if isinstance(raw, list) and raw and raw[0] == "content-length-range":
            length = _length_range(raw)
        else:
            conditions.append(_condition(raw))
    return PostPolicy(expiration, tuple(conditions), length)


def _expiration(value: Any) -> datetime:
    if not isinstance(value, str):
        raise errors.InvalidPolicyDocument("Invalid Policy: Policy missing expiration.")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise errors.InvalidPolicyDocument(f"Invalid Policy: Invalid 'expiration' value: {value!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _condition(raw: Any) -> Condition:
    if isinstance(raw, dict) and len(raw) == 1:
        ((name, value),) = raw.items()
        if isinstance(value, str):
            return Condition("eq", name.lower().removeprefix("$"), value)
    if (
        isinstance(raw, list)
        and len(raw) == 3
        and raw[0] in ("eq", "starts-with")
        and isinstance(raw[1], str)
        and raw[1].startswith("$")
        and isinstance(raw[2], str)
    ):
        return Condition(raw[0], raw[1][1:].lower(), raw[2])
    raise errors.InvalidPolicyDocument(f"Invalid Policy: Invalid Simple-Condition: {json.dumps(raw)}")


def _length_range(raw: list[Any]) -> LengthRange:
    if (
        len(raw) == 3
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in raw[1:])
        and raw[1] <= raw[2]
    ):
        return LengthRange(raw[1], raw[2])
    raise errors.InvalidPolicyDocument(
        "Invalid Policy: Invalid content-length-range: expected two non-negative integers, min <= max"
    )
