"""examples/functions deployed with ``welkin fn`` on a real ``welkin up`` and fired by their triggers.

One server for the module, its ``functions_wheel_dir`` holding boto3's and Pillow's wheels
(repacked from this environment), so the examples' requirements install offline.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.cli.conftest import Cli
from tests.conftest import ROOT, Welkin
from tests.examples_region import AGENCY, examples_region

EXAMPLES = ROOT / "examples" / "functions"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    with examples_region(tmp_path_factory.mktemp("examples")) as running:
        yield running


@pytest.fixture
def fn(tmp_path: Path, server: Welkin) -> Cli:
    cli = Cli(tmp_path / "config" / "config.toml")
    env = {"WELKIN_SECRET_KEY": server.secret_key}
    cli.ok("login", "--endpoint", server.url, "--access-key", server.access_key, env=env)
    return cli


def _eventually(check: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


def _invocations(fn: Cli, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fn.json("fn", "logs", name, "--limit", "200")
    return found


def test_http_api_behind_an_http_trigger(fn: Cli) -> None:
    fn.ok("fn", "deploy", str(EXAMPLES / "http-api"), "--name", "http-api")
    trigger = fn.json(
        "fn", "trigger", "add", "http-api", "http", "--path", "/api", "--prefix-match", "--auth", "none"
    )
    url = trigger["event_data"]["invoke_url"]
    assert url.endswith("/api")
    hello = httpx.get(f"{url}/hello", params={"name": "Ada"}, timeout=30)
    assert (hello.status_code, hello.json()) == (200, {"greeting": "Hello, Ada!"})
    assert hello.headers["content-type"] == "application/json"
    summed = httpx.post(f"{url}/sum", json={"numbers": [1, 2, 3.5]}, timeout=30)
    assert summed.json() == {"sum": 6.5, "count": 3}
    assert httpx.post(f"{url}/sum", content=b"nope", timeout=30).status_code == 400
    assert httpx.get(f"{url}/sum", timeout=30).status_code == 405
    assert httpx.get(f"{url}/elsewhere", timeout=30).status_code == 404
    [listed] = fn.json("fn", "trigger", "ls", "http-api")
    assert (listed["type"], listed["status"]) == ("APIG", "ACTIVE")
    fn.ok("fn", "trigger", "rm", "http-api", listed["trigger_id"])
    assert fn.json("fn", "trigger", "ls", "http-api") == []
    assert httpx.get(f"{url}/hello", timeout=30).status_code == 404


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_thumbnailer_fired_by_an_upload_writes_back_once(fn: Cli, tmp_path: Path) -> None:
    fn.ok("obs", "mb", "default/photos")
    deployed = fn.json(
        "fn",
        "deploy",
        str(EXAMPLES / "thumbnailer"),
        "--name",
        "thumbnailer",
        "--agency",
        AGENCY,
        "--memory",
        "256",
        "--timeout",
        "60",
    )
    assert deployed["app_xrole"] == AGENCY
    fn.ok(
        "fn", "trigger", "add", "thumbnailer", "obs", "--bucket", "photos", "--event", "ObjectCreated",
        "--key-prefix", "uploads/",
    )  # fmt: skip
    photo = tmp_path / "cat.png"
    photo.write_bytes(_png(400, 300))
    fn.ok("obs", "cp", str(photo), "default/photos/uploads/cat.png")

    def thumbnails() -> list[str]:
        return [r["key"] for r in fn.json("obs", "ls", "-r", "default/photos/thumbnails/")]

    assert _eventually(thumbnails) == ["thumbnails/cat.jpg"], _invocations(fn, "thumbnailer")
    down = tmp_path / "down"
    down.mkdir()
    fn.ok("obs", "cp", "default/photos/thumbnails/cat.jpg", str(down))
    with Image.open(down / "cat.jpg") as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (128, 96))
    # Its own write is outside the trigger's prefix: one invocation, no loop.
    time.sleep(2)
    runs = _invocations(fn, "thumbnailer")
    assert [(r["source"], r["status"]) for r in runs] == [("obs", "success")]
    assert "uploads/cat.png -> photos/thumbnails/cat.jpg (128x96)" in runs[0]["log"]


def test_timer_counter_keeps_its_count_in_obs(fn: Cli, tmp_path: Path) -> None:
    fn.ok("obs", "mb", "default/jobs")
    fn.ok(
        "fn",
        "deploy",
        str(EXAMPLES / "timer-counter"),
        "--name",
        "counter",
        "--agency",
        AGENCY,
        "-e",
        "BUCKET=jobs",
    )
    trigger = fn.json(
        "fn", "trigger", "add", "counter", "timer", "--cron", "* * * * * *", "--user-event", "tick"
    )
    assert trigger["what"] == "Cron * * * * * *"

    def counted() -> int:
        runs = [r for r in _invocations(fn, "counter") if r["status"] == "success"]
        return len(runs) if len(runs) >= 3 else 0

    assert _eventually(counted, 30), _invocations(fn, "counter")
    fn.ok("fn", "trigger", "rm", "counter", trigger["trigger_id"])
    time.sleep(1.5)  # a tick already under way when the trigger went finishes
    ran = len(_invocations(fn, "counter"))
    fn.ok("obs", "cp", "default/jobs/counter.json", str(tmp_path))
    state = json.loads((tmp_path / "counter.json").read_text())
    assert state["count"] == ran  # every run read the last count from OBS and added one
    assert state["user_event"] == "tick"
    assert state["last_tick"]
