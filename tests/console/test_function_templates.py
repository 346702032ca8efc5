"""The timer template made from the console runs as its README says: it counts its runs in OBS.
Its requirements install offline from wheels repacked from this environment, as in
tests/cli/test_examples.py. (The thumbnailer template is made, triggered and watched in the
browser test, tests/e2e/test_console_flow.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import Welkin
from tests.console.conftest import ConsoleClient
from tests.examples_region import AGENCY, examples_region


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    with examples_region(tmp_path_factory.mktemp("console-templates")) as running:
        yield running


def _s3(server: Welkin) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


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
