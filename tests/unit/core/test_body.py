"""Reading JSON bodies field by field."""

from __future__ import annotations

import pytest

from welkin.core import errors
from welkin.core.body import Body
from welkin.core.http import parse_json_object


def test_fields_are_typed_and_unknown_ones_refused() -> None:
    body = Body({"name": "alice", "enabled": True, "extra": 1}, "user")
    assert body.str("name") == "alice"
    assert body.opt_bool("enabled") is True
    with pytest.raises(errors.InvalidArgument, match=r"Unknown field\(s\) in user: extra"):
        body.done()


@pytest.mark.parametrize(
    ("data", "read", "message"),
    [
        ({"name": 5}, lambda b: b.str("name"), "user.name must be a string"),
        ({}, lambda b: b.str("name"), "user.name is required"),
        ({"enabled": "yes"}, lambda b: b.opt_bool("enabled"), "must be true or false"),
        ({"n": True}, lambda b: b.opt_int("n", 0, 9), "must be an integer"),
        ({"n": 10}, lambda b: b.opt_int("n", 0, 9), "between 0 and 9"),
        ({"name": "x" * 65}, lambda b: b.str("name", 64), "at most 64"),
        ({"methods": ["a", 1]}, lambda b: b.str_list("methods"), "list of strings"),
    ],
)
def test_bad_fields_say_what_is_wrong(data: dict[str, object], read: object, message: str) -> None:
    with pytest.raises(errors.InvalidArgument, match=message):
        read(Body(data, "user"))  # type: ignore[operator]


@pytest.mark.parametrize("raw", [b"{", b"[1]", b"\xff", b'"text"'])
def test_non_objects_are_malformed(raw: bytes) -> None:
    with pytest.raises(errors.MalformedBody):
        parse_json_object(raw)
