"""How ``welkin fn`` reads function names and packages code, without a server."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest

from welkin.cli.config import ConfigError
from welkin.cli.fn_package import package_code, parse_env
from welkin.cli.fn_session import FunctionName, parse_function


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", FunctionName("default", "hello")),
        ("hello:3", FunctionName("default", "hello", "3")),
        ("hello:prod", FunctionName("default", "hello", "prod")),
        ("tools/resize:latest", FunctionName("tools", "resize", "latest")),
        ("urn:fss:local-1:p1:function:tools:resize", FunctionName("tools", "resize")),
        ("urn:fss:local-1:p1:function:tools:resize:!prod", FunctionName("tools", "resize", "!prod")),
    ],
)
def test_function_names(text: str, expected: FunctionName) -> None:
    assert parse_function(text) == expected


@pytest.mark.parametrize("text", ["tools/", "urn:fss:local-1:p1:bucket:x"])
def test_names_that_name_no_function(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_function(text)


def test_a_directory_zips_the_same_twice_without_build_leftovers(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "index.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "pkg" / "mod.py").write_text("X = 1\n")
    (tmp_path / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"junk")
    (tmp_path / "stale.pyc").write_bytes(b"junk")
    first, second = package_code(tmp_path), package_code(tmp_path)
    assert first == second
    assert (first.code_type, first.default_handler) == ("zip", "index.handler")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(first.file_b64))) as archive:
        assert archive.namelist() == ["index.py", "pkg/mod.py"]


def test_a_single_file_names_its_handler(tmp_path: Path) -> None:
    source = tmp_path / "main.py"
    source.write_text("def handler(e, c):\n    return 1\n")
    code = package_code(source)
    assert (code.code_type, code.filename, code.default_handler) == ("inline", "main.py", "main.handler")
    (tmp_path / "notes.txt").write_text("not code")
    with pytest.raises(ConfigError, match=r"a \.zip or a \.py"):
        package_code(tmp_path / "notes.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError):
        package_code(tmp_path / "empty")


def test_env_pairs() -> None:
    assert parse_env(["A=1", "B=x=y", "C="]) == '{"A": "1", "B": "x=y", "C": ""}'
    with pytest.raises(ConfigError):
        parse_env(["=1"])
