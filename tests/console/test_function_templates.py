"""The OBS templates made from the console run as their READMEs say: the thumbnailer writes a
thumbnail of an upload, the timer counts its runs in OBS. Their requirements (boto3, Pillow)
install offline from wheels repacked from this environment, as in tests/cli/test_examples.py."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from PIL import Image

from tests.conftest import Welkin, start_welkin, stop_welkin
from tests.console.conftest import ConsoleClient
from tests.console.functions_helpers import make_agency
from tests.wheels import repack_installed

WHEELS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3", "pillow")
AGENCY = "fn-obs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    base = tmp_path_factory.mktemp("console-templates")
    repack_installed(base / "wheels", *WHEELS)
    (base / "data").mkdir()
    (base / "data" / "welkin.toml").write_text(f'functions_wheel_dir = "{base / "wheels"}"\n')
    running = start_welkin(base / "data")
    try:
        make_agency(running, AGENCY, "OBS OperateAccess")
        yield running
    finally:
        stop_welkin(running)


def _s3(server: Welkin) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def _eventually(check: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_the_thumbnailer_template_with_an_obs_trigger(admin: ConsoleClient, server: Welkin) -> None:
    s3 = _s3(server)
    s3.create_bucket(Bucket="photos")
    admin.get("/console/functions/new")
    made = admin.post(
        "/console/functions/new", {"name": "thumbnailer", "template": "thumbnailer", "agency": AGENCY}
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = admin.get(url).text
    assert "<dd>256 MB</dd>" in page
    assert "<dd>60 s</dd>" in page
    assert f"<dd>{AGENCY}</dd>" in page
    fields = {"type": "OBS", "bucket": "photos", "events": "ObjectCreated", "prefix": "uploads/"}
    assert admin.post(url + "/triggers", fields).status_code == 303
    s3.put_object(Bucket="photos", Key="uploads/cat.png", Body=_png(400, 300))

    def thumbnails() -> list[str]:
        listed = s3.list_objects_v2(Bucket="photos", Prefix="thumbnails/")
        return [o["Key"] for o in listed.get("Contents", [])]

    assert _eventually(thumbnails) == ["thumbnails/cat.jpg"], admin.get(url).text
    thumb = Image.open(io.BytesIO(s3.get_object(Bucket="photos", Key="thumbnails/cat.jpg")["Body"].read()))
    assert (thumb.format, thumb.size) == ("JPEG", (128, 96))


def test_the_timer_template_sets_up_its_trigger_and_counts_in_obs(
    admin: ConsoleClient, server: Welkin
) -> None:
    s3 = _s3(server)
    s3.create_bucket(Bucket="jobs")
    admin.get("/console/functions/new")
    fields = {"name": "counter", "template": "timer-counter", "agency": AGENCY, "environment": "BUCKET=jobs"}
    made = admin.post("/console/functions/new", fields)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = admin.get(url).text
    assert re.search(r'<tr class="trigger" data-type="TIMER" [^>]*data-status="ACTIVE"', page)
    assert 'Rate <span class="code">1m</span>' in page
    assert "nightly-report" in page
    # A test invoke runs it now rather than waiting a minute for the tick.
    answer = admin.api(url.replace("/console/", "/console/api/", 1) + "/invoke", {"event": "{}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "succeeded", answer.json()
    state = json.loads(s3.get_object(Bucket="jobs", Key="counter.json")["Body"].read())
    assert state["count"] >= 1
