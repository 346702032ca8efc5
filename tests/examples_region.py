"""A ``welkin up`` set up as the examples' READMEs set one up, for the tests that run them.

Its functions install the examples' requirements (boto3, Pillow) offline, from wheels repacked
from this environment, and account admin has the agency ``fn-obs`` granted OBS OperateAccess,
which the OBS examples run with.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.agencies import make_agency
from tests.conftest import Welkin, start_welkin, stop_welkin
from tests.wheels import EXAMPLES_REQUIREMENTS, repack_installed

AGENCY = "fn-obs"


@contextmanager
def examples_region(base: Path) -> Iterator[Welkin]:
    repack_installed(base / "wheels", *EXAMPLES_REQUIREMENTS)
    (base / "data").mkdir()
    (base / "data" / "welkin.toml").write_text(f'functions_wheel_dir = "{base / "wheels"}"\n')
    running = start_welkin(base / "data")
    try:
        make_agency(running, AGENCY, "OBS OperateAccess")
        yield running
    finally:
        stop_welkin(running)
