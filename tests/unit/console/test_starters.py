"""The console's function templates are the repository's examples, not copies that could drift."""

from __future__ import annotations

import io
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from welkin.console.starters import STARTERS, code_package, source_files

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "functions"


@pytest.mark.parametrize("name", [s.name for s in STARTERS])
def test_each_example_is_the_packaged_template(name: str) -> None:
    packaged = Path(str(resources.files("welkin.console").joinpath("function_templates", name)))
    assert (EXAMPLES / name).resolve() == packaged.resolve()
    example = {p.name: p.read_bytes() for p in (EXAMPLES / name).iterdir() if p.is_file()}
    assert source_files(name) == example


def test_every_example_is_offered() -> None:
    assert {p.name for p in EXAMPLES.iterdir() if p.is_dir()} == {s.name for s in STARTERS}


def test_the_package_holds_the_code_and_requirements_only() -> None:
    names = zipfile.ZipFile(io.BytesIO(code_package("timer-counter"))).namelist()
    assert names == ["index.py", "requirements.txt"]
    assert zipfile.ZipFile(io.BytesIO(code_package("hello"))).namelist() == ["index.py"]
