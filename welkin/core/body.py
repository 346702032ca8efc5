"""Reading a JSON request body field by field, with errors a person understands.

``Body`` wraps one JSON object; each getter checks the type of one field, and
``done()`` refuses any field nobody asked for, so a typo is a 400 instead of being
silently ignored.
"""

from __future__ import annotations

import builtins
from typing import Any

from welkin.core import errors


class Body:
    def __init__(self, data: dict[builtins.str, Any], where: builtins.str = "body") -> None:
        self._data = data
        self._where = where
        self._read: set[str] = set()

    def _get(self, key: builtins.str, kind: type | tuple[type, ...], kind_name: str) -> Any:
        self._read.add(key)
        value = self._data.get(key)
        # bool is an int in Python, but not in JSON.
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise errors.InvalidArgument(f"{self._where}.{key} must be {kind_name}.")
        return value

    def _required(self, key: builtins.str, value: Any) -> Any:
        if value is None:
            raise errors.InvalidArgument(f"{self._where}.{key} is required.")
        return value

    def peek(self, key: builtins.str) -> Any:
        """The raw value, to choose a getter for a field of more than one JSON type."""
        return self._data.get(key)

    def has(self, key: builtins.str) -> bool:
        return key in self._data

    def opt_str(self, key: builtins.str, max_len: int = 1024) -> builtins.str | None:
        value: builtins.str | None = self._get(key, builtins.str, "a string")
        if value is not None and len(value) > max_len:
            raise errors.InvalidArgument(f"{self._where}.{key} may be at most {max_len} characters.")
        return value

    def str(self, key: builtins.str, max_len: int = 1024) -> builtins.str:
        value: builtins.str = self._required(key, self.opt_str(key, max_len))
        return value

    def opt_bool(self, key: builtins.str) -> bool | None:
        value: bool | None = self._get(key, bool, "true or false")
        return value

    def opt_int(self, key: builtins.str, low: int, high: int) -> int | None:
        value: int | None = self._get(key, int, "an integer")
        if value is not None and not low <= value <= high:
            raise errors.InvalidArgument(f"{self._where}.{key} must be between {low} and {high}.")
        return value

    def opt_obj(self, key: builtins.str) -> Body | None:
        value = self._get(key, dict, "an object")
        return Body(value, f"{self._where}.{key}") if value is not None else None

    def obj(self, key: builtins.str) -> Body:
        body: Body = self._required(key, self.opt_obj(key))
        return body

    def raw_obj(self, key: builtins.str) -> dict[builtins.str, Any]:
        value: dict[builtins.str, Any] = self._required(key, self._get(key, dict, "an object"))
        return value

    def str_list(self, key: builtins.str) -> list[builtins.str]:
        value = self._required(key, self._get(key, list, "a list"))
        if not all(isinstance(v, builtins.str) for v in value):
            raise errors.InvalidArgument(f"{self._where}.{key} must be a list of strings.")
        return list(value)

    def ignore(self, *keys: builtins.str) -> None:
        """Accept fields that clients send but Welkin has no use for."""
        self._read.update(keys)

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise errors.InvalidArgument(f"Unknown field(s) in {self._where}: {', '.join(unknown)}.")
