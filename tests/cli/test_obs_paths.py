"""How ``welkin obs`` tells remote paths from local ones, and reads --expires."""

from __future__ import annotations

from pathlib import Path

import pytest

from welkin.cli.obs_paths import LocalPath, PathError, RemotePath, parse, remote, safe_relative
from welkin.cli.obs_queries import expires_seconds

ALIASES = ("default", "acme")


def test_an_alias_prefix_makes_a_path_remote() -> None:
    assert parse("default/photos/2025/a.jpg", ALIASES) == RemotePath("default", "photos", "2025/a.jpg")
    assert parse("acme/logs", ALIASES) == RemotePath("acme", "logs", "")
    assert parse("acme", ALIASES) == RemotePath("acme")


def test_anything_else_is_local() -> None:
    assert parse("./default/a", ALIASES) == LocalPath(Path("./default/a"))
    assert parse("/tmp/x", ALIASES) == LocalPath(Path("/tmp/x"))
    assert parse("other/b/k", ALIASES) == LocalPath(Path("other/b/k"))
    assert parse(".", ALIASES) == LocalPath(Path("."))


def test_remote_explains_an_unknown_alias_and_a_missing_bucket() -> None:
    with pytest.raises(PathError, match="no profile named 'nosuch'"):
        remote("nosuch/bucket", ALIASES)
    with pytest.raises(PathError, match="names no bucket"):
        remote("default", ALIASES)
    assert remote("default", ALIASES, need_bucket=False) == RemotePath("default")


def test_children_and_prefixes() -> None:
    assert RemotePath("a", "b", "dir/").child("x/y") == RemotePath("a", "b", "dir/x/y")
    assert RemotePath("a", "b", "dir").child("x") == RemotePath("a", "b", "dir/x")
    assert RemotePath("a", "b").child("x") == RemotePath("a", "b", "x")
    assert RemotePath("a", "b", "dir").dir_prefix() == "dir/"
    assert str(RemotePath("a", "b", "k/v")) == "a/b/k/v"


def test_keys_that_would_climb_out_of_the_target_are_refused() -> None:
    assert safe_relative("p/a/b.txt", "p/") == "a/b.txt"
    with pytest.raises(PathError):
        safe_relative("p/../../etc/passwd", "p/")
    with pytest.raises(PathError):
        safe_relative("p/", "p/")


@pytest.mark.parametrize(("text", "seconds"), [("3600", 3600), ("90m", 5400), ("12h", 43200), ("7d", 604800)])
def test_expires(text: str, seconds: int) -> None:
    assert expires_seconds(text) == seconds


@pytest.mark.parametrize("text", ["8d", "0", "soon", "1w", "604801"])
def test_expires_out_of_range(text: str) -> None:
    with pytest.raises(PathError):
        expires_seconds(text)
