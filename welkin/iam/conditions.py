"""Condition operators of Huawei IAM's policy language.

A statement's ``Condition`` block maps an operator to condition keys and, for each
key, a list of values: ``{"StringEquals": {"g:UserName": ["alice", "bob"]}}``.
Every (operator, key) pair must hold for the statement to apply; within one pair,
matching any listed value is enough for a positive operator, while a negated
operator (``StringNotEquals``, ``NotIpAddress``...) holds only when no value matches.

Operator names are built from three parts:

* an optional set qualifier, ``ForAnyValue:`` or ``ForAllValues:``, for keys whose
  request value is a list (at least one / every request value must satisfy it);
* a base operator from one of the families below;
* an optional ``IfExists`` suffix: the pair holds when the key is absent.

Families: String (``StringEquals``, ``StringNotEquals``, ``StringEqualsIgnoreCase``,
``StringNotEqualsIgnoreCase``, ``StringLike``, ``StringNotLike``, ``StringStartWith``,
``StringNotStartWith``, ``StringEndWith``, ``StringNotEndWith``), Number
(``NumberEquals``, ``NumberNotEquals``, ``NumberLessThan``, ``NumberLessThanEquals``,
``NumberGreaterThan``, ``NumberGreaterThanEquals``), Date (``DateEquals``,
``DateNotEquals``, ``DateLessThan``, ``DateLessThanEquals``, ``DateGreaterThan``,
``DateGreaterThanEquals``), ``Bool``, ``IpAddress``/``NotIpAddress``, and the presence
tests ``Null`` and ``IsNullOrEmpty``. Huawei also lists ``...AnyOf`` spellings of the
string and number-equality operators; they are accepted with the same meaning.

A key missing from the request makes a positive operator false and a negated one
true, as in every IAM dialect; ``ForAllValues:`` over a missing key is vacuously true.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, TypeAlias

from welkin.core import errors

Scalar: TypeAlias = str | int | float | bool | datetime
ContextValue: TypeAlias = Scalar | Sequence[Scalar] | None
Qualifier: TypeAlias = Literal["ForAnyValue", "ForAllValues"] | None

# A base comparison: (request value, compiled condition value) -> matched.
_Compare: TypeAlias = Callable[[object, object], bool]
# Turns one policy value into its compiled form, raising ValueError when malformed.
_Compile: TypeAlias = Callable[[str], object]

_IP = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class _Family:
    compile: _Compile
    compare: _Compare
    negated: bool = False


def _compile_like(value: str) -> object:
    # StringLike: "*" is any run of characters, "?" exactly one; matching is case-sensitive.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
    return re.compile(body, re.DOTALL)


def _compile_number(value: str) -> object:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _compile_date(value: str) -> object:
    return _as_utc(datetime.fromisoformat(value))


def _compile_bool(value: str) -> object:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ValueError('must be "true" or "false"')
    return lowered == "true"


def _compile_ip(value: str) -> object:
    return ipaddress.ip_network(value, strict=False)


def _as_utc(moment: datetime) -> datetime:
    # Policies and requests written without an offset mean UTC, as g:CurrentTime is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _request_str(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return None


def _request_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _request_date(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, str):
        try:
            return _as_utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def _request_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _string_op(test: Callable[[str, str], bool]) -> _Compare:
    def compare(request: object, policy: object) -> bool:
        text = _request_str(request)
        return text is not None and isinstance(policy, str) and test(text, policy)

    return compare


def _like(request: object, policy: object) -> bool:
    text = _request_str(request)
    return text is not None and isinstance(policy, re.Pattern) and policy.fullmatch(text) is not None


def _number_op(test: Callable[[float, float], bool]) -> _Compare:
    def compare(request: object, policy: object) -> bool:
        number = _request_number(request)
        return number is not None and isinstance(policy, float) and test(number, policy)

    return compare


def _date_op(test: Callable[[datetime, datetime], bool]) -> _Compare:
    def compare(request: object, policy: object) -> bool:
        moment = _request_date(request)
        return moment is not None and isinstance(policy, datetime) and test(moment, policy)

    return compare


def _bool_eq(request: object, policy: object) -> bool:
    flag = _request_bool(request)
    return flag is not None and flag is policy


def _in_network(request: object, policy: object) -> bool:
    if not isinstance(request, str) or not isinstance(policy, _IP):
        return False
    try:
        address = ipaddress.ip_address(request.strip())
    except ValueError:
        return False
    return address.version == policy.version and address in policy


def _same(value: str) -> object:
    return value


def _lower(value: str) -> object:
    return value.casefold()


_eq = _string_op(lambda r, p: r == p)
_eq_ci = _string_op(lambda r, p: r.casefold() == p)
_starts = _string_op(lambda r, p: r.startswith(p))
_ends = _string_op(lambda r, p: r.endswith(p))
_num_eq = _number_op(lambda r, p: r == p)

_FAMILIES: dict[str, _Family] = {
    "StringEquals": _Family(_same, _eq),
    "StringNotEquals": _Family(_same, _eq, negated=True),
    "StringEqualsIgnoreCase": _Family(_lower, _eq_ci),
    "StringNotEqualsIgnoreCase": _Family(_lower, _eq_ci, negated=True),
    "StringLike": _Family(_compile_like, _like),
    "StringNotLike": _Family(_compile_like, _like, negated=True),
    "StringStartWith": _Family(_same, _starts),
    "StringNotStartWith": _Family(_same, _starts, negated=True),
    "StringEndWith": _Family(_same, _ends),
    "StringNotEndWith": _Family(_same, _ends, negated=True),
    "NumberEquals": _Family(_compile_number, _num_eq),
    "NumberNotEquals": _Family(_compile_number, _num_eq, negated=True),
    "NumberLessThan": _Family(_compile_number, _number_op(lambda r, p: r < p)),
    "NumberLessThanEquals": _Family(_compile_number, _number_op(lambda r, p: r <= p)),
    "NumberGreaterThan": _Family(_compile_number, _number_op(lambda r, p: r > p)),
    "NumberGreaterThanEquals": _Family(_compile_number, _number_op(lambda r, p: r >= p)),
    "DateEquals": _Family(_compile_date, _date_op(lambda r, p: r == p)),
    "DateNotEquals": _Family(_compile_date, _date_op(lambda r, p: r == p), negated=True),
    "DateLessThan": _Family(_compile_date, _date_op(lambda r, p: r < p)),
    "DateLessThanEquals": _Family(_compile_date, _date_op(lambda r, p: r <= p)),
    "DateGreaterThan": _Family(_compile_date, _date_op(lambda r, p: r > p)),
    "DateGreaterThanEquals": _Family(_compile_date, _date_op(lambda r, p: r >= p)),
    "Bool": _Family(_compile_bool, _bool_eq),
    "IpAddress": _Family(_compile_ip, _in_network),
    "NotIpAddress": _Family(_compile_ip, _in_network, negated=True),
}
# Huawei's "...AnyOf" spellings: each listed value is already an alternative.
for _base in (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "StringStartWith",
    "StringNotStartWith",
    "StringEndWith",
    "StringNotEndWith",
    "NumberEquals",
    "NumberNotEquals",
):
    _FAMILIES[_base + "AnyOf"] = _FAMILIES[_base]

_PRESENCE = frozenset({"Null", "IsNullOrEmpty"})
OPERATORS: frozenset[str] = frozenset(_FAMILIES) | _PRESENCE
"""Base operator names, before any ``ForAnyValue:``/``ForAllValues:`` or ``IfExists``."""

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*:[^\s:][^\s]*")


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key, values) test of a statement, compiled once at parse time."""

    operator: str
    key: str
    values: tuple[str, ...]
    base: str
    qualifier: Qualifier
    if_exists: bool
    _compiled: tuple[object, ...] = field(repr=False, compare=False)
    _family: _Family | None = field(repr=False, compare=False)
    _lookup: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Context keys compare without case; the caller lower-cases the request's once.
        object.__setattr__(self, "_lookup", self.key.lower())

    def holds(self, context: Mapping[str, ContextValue]) -> bool:
        """Test against a request context whose keys are already lower-cased."""
        raw = context.get(self._lookup)
        present = raw is not None
        items: Sequence[object]
        if raw is None:
            items = ()
        elif isinstance(raw, str | int | float | bool | datetime):
            items = (raw,)
        else:
            items = tuple(raw)

        if self._family is None:
            return self._presence(raw, items)
        if not present and self.if_exists:
            return True

        family = self._family

        def matches(item: object) -> bool:
            hit = any(family.compare(item, policy) for policy in self._compiled)
            return not hit if family.negated else hit

        if self.qualifier == "ForAllValues":
            return all(matches(item) for item in items)
        if self.qualifier == "ForAnyValue" or not family.negated:
            return any(matches(item) for item in items)
        # A plain negated operator holds when no request value hits any policy value.
        return all(matches(item) for item in items)

    def _presence(self, raw: ContextValue, items: Sequence[object]) -> bool:
        expect_absent = bool(self._compiled[0]) if self._compiled else True
        if self.base == "Null":
            absent = raw is None
        else:
            absent = raw is None or len(items) == 0 or all(item == "" for item in items)
        return absent if expect_absent else not absent


def parse_condition_block(block: object, where: str) -> tuple[Condition, ...]:
    """Validate and compile a statement's ``Condition`` object."""
    if not isinstance(block, Mapping):
        raise errors.InvalidPolicy(f"{where}: Condition must be an object mapping operators to keys")
    conditions: list[Condition] = []
    for operator, keys in block.items():
        if not isinstance(operator, str):
            raise errors.InvalidPolicy(f"{where}: condition operators must be strings")
        base, qualifier, if_exists = _split_operator(operator, where)
        if not isinstance(keys, Mapping) or not keys:
            raise errors.InvalidPolicy(
                f"{where}: operator {operator} must map at least one condition key to its values"
            )
        for key, values in keys.items():
            conditions.append(_parse_one(operator, base, qualifier, if_exists, key, values, where))
    return tuple(conditions)


def _split_operator(operator: str, where: str) -> tuple[str, Qualifier, bool]:
    qualifier: Qualifier = None
    base = operator
    for prefix in ("ForAnyValue", "ForAllValues"):
        if base.startswith(prefix + ":"):
            qualifier = "ForAnyValue" if prefix == "ForAnyValue" else "ForAllValues"
            base = base[len(prefix) + 1 :]
            break
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in OPERATORS:
        raise errors.InvalidPolicy(
            f"{where}: unknown condition operator {operator!r}; operators are the String*, Number*, "
            "Date*, Bool, IpAddress/NotIpAddress, Null and IsNullOrEmpty families, optionally "
            "prefixed ForAnyValue:/ForAllValues: or suffixed IfExists"
        )
    if base in _PRESENCE and (qualifier is not None or if_exists):
        raise errors.InvalidPolicy(
            f"{where}: {base} takes neither a ForAnyValue:/ForAllValues: prefix nor IfExists"
        )
    return base, qualifier, if_exists


def _parse_one(
    operator: str,
    base: str,
    qualifier: Qualifier,
    if_exists: bool,
    key: object,
    values: object,
    where: str,
) -> Condition:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise errors.InvalidPolicy(
            f"{where}: condition key {key!r} under {operator} must look like 'prefix:Name' (e.g. g:UserName)"
        )
    if not isinstance(values, list):
        raise errors.InvalidPolicy(f"{where}: {operator} {key} must be a list of values")
    texts: list[str] = []
    for value in values:
        if isinstance(value, bool):
            texts.append("true" if value else "false")
        elif isinstance(value, str | int | float):
            texts.append(str(value))
        else:
            raise errors.InvalidPolicy(f"{where}: {operator} {key} values must be strings, got {value!r}")

    family = _FAMILIES.get(base)
    if family is None:
        # Null / IsNullOrEmpty: one boolean; an empty list reads as "true".
        if len(texts) > 1:
            raise errors.InvalidPolicy(f"{where}: {operator} {key} takes a single value, true or false")
        compiled = tuple(_checked(_compile_bool, t, operator, key, where) for t in texts)
    else:
        if not texts:
            raise errors.InvalidPolicy(f"{where}: {operator} {key} needs at least one value")
        compiled = tuple(_checked(family.compile, t, operator, key, where) for t in texts)
    return Condition(
        operator=operator,
        key=key,
        values=tuple(texts),
        base=base,
        qualifier=qualifier,
        if_exists=if_exists,
        _compiled=compiled,
        _family=family,
    )


def _checked(compile_value: _Compile, text: str, operator: str, key: str, where: str) -> object:
    try:
        return compile_value(text)
    except ValueError as exc:
        raise errors.InvalidPolicy(f"{where}: {operator} {key}: bad value {text!r} ({exc})") from None
