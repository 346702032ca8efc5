"""URNs, runtimes and configuration rules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from welkin.core import errors
from welkin.functions import rules
from welkin.functions.errors import FunctionNotFound, InvalidRuntime
from welkin.functions.runtimes import RuntimeCatalog
from welkin.functions.urns import FunctionRef, alias_urn, function_urn, parse_ref, version_urn

P = "0" * 32


def test_urns_round_trip() -> None:
    assert function_urn("r1", P, "default", "f") == f"urn:fss:r1:{P}:function:default:f"
    assert parse_ref(version_urn("r1", P, "pkg", "f", "3"), "r1", P) == FunctionRef("pkg", "f", "3")
    assert parse_ref(alias_urn("r1", P, "pkg", "f", "prod"), "r1", P).is_alias
    assert parse_ref(function_urn("r1", P, "pkg", "f"), "r1", P).is_head
    assert parse_ref(f"{function_urn('r1', P, 'pkg', 'f')}:latest", "r1", P).is_head
    assert parse_ref("just-a-name", "r1", P) == FunctionRef("default", "just-a-name", None)


@pytest.mark.parametrize(
    "text",
    [
        f"urn:fss:r2:{P}:function:default:f",  # another region
        f"urn:fss:r1:{'1' * 32}:function:default:f",  # another project
        f"urn:obs:r1:{P}:function:default:f",
        "urn:fss:r1",
    ],
)
def test_foreign_or_malformed_urns_name_nothing(text: str) -> None:
    with pytest.raises(FunctionNotFound):
        parse_ref(text, "r1", P)


def test_runtimes_are_the_running_python_and_those_on_path_that_run(tmp_path: Path) -> None:
    fake = tmp_path / "python3.28"
    fake.write_text("#!/bin/sh\necho CPython 3 28\n")
    fake.chmod(0o755)
    broken = tmp_path / "python3.26"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    (tmp_path / "python3.27").write_text("not executable")
    catalog = RuntimeCatalog.detect(str(tmp_path))
    running = f"Python{sys.version_info[0]}.{sys.version_info[1]}"
    assert catalog.interpreter(running) == Path(sys.executable)
    assert catalog.interpreter("Python3.28") == fake
    assert catalog.names == [running, "Python3.28"]
    assert catalog.check("Python3.28") == "Python3.28"
    with pytest.raises(InvalidRuntime, match=r"Python2\.7.*offers: .*Python3\.28"):
        catalog.interpreter("Python2.7")


def test_detect_reads_path_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + str(tmp_path / "missing"))
    assert RuntimeCatalog.detect().names == [f"Python{sys.version_info[0]}.{sys.version_info[1]}"]


def test_configuration_rules() -> None:
    assert rules.function_name("a-b_c1") == "a-b_c1"
    for bad in ("", "1abc", "abc-", "a" * 61):
        with pytest.raises(errors.InvalidArgument):
            rules.function_name(bad)
    assert rules.handler("pkg.mod.handler") == "pkg.mod.handler"
    for bad in ("handler", ".handler", "index.", "a b.c", "index.handler()"):
        with pytest.raises(errors.InvalidArgument):
            rules.handler(bad)
    with pytest.raises(errors.InvalidArgument, match="128, 256"):
        rules.memory_size(300)
    assert rules.environment('{"A": "1", "_b": ""}', "user_data") == {"A": "1", "_b": ""}
    for bad in ('{"A": 1}', '{"1A": "x"}', "[1]", "{", "x" * 5000):
        with pytest.raises(errors.InvalidArgument):
            rules.environment(bad, "user_data")
    assert rules.weights({"2": 30}, "1") == (("2", 30),)
    for values in ({"1": 10}, {"2": 101}, {"2": 10, "3": 10}, {"2": True}):
        with pytest.raises(errors.InvalidArgument):
            rules.weights(values, "1")  # type: ignore[arg-type]
