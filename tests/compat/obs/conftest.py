"""One real ``welkin up`` for all of these modules (per test worker), driven by boto3 (and other
S3/OBS clients). Tests work in buckets of their own, so they need no server of their own; a module
that measures the server process itself starts one (``own_server``)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import ROOT_AK, ROOT_SK, Welkin, start_welkin, stop_welkin

S3Factory = Callable[..., Any]


def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    welkin = start_welkin(tmp_path_factory.mktemp("obs"))
    yield welkin
    stop_welkin(welkin)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    yield from own_server(tmp_path_factory)


@pytest.fixture(scope="module")
def make_s3(server: Welkin) -> S3Factory:
    """boto3 S3 clients for any key pair; path-style unless told otherwise."""

    def make(
        ak: str = ROOT_AK,
        sk: str = ROOT_SK,
        *,
        token: str | None = None,
        addressing: str = "path",
        endpoint: str | None = None,
        **config: Any,
    ) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=endpoint or server.url,
            aws_access_key_id=ak,
            aws_secret_access_key=sk,
            aws_session_token=token,
            region_name="local-1",
            config=Config(s3={"addressing_style": addressing}, retries={"max_attempts": 1}, **config),
        )

    return make


@pytest.fixture(scope="module")
def s3(make_s3: S3Factory) -> Any:
    return make_s3()


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def localhost_subdomains(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve *.localhost to 127.0.0.1 in this process, as systemd-resolved and browsers do;
    this machine's resolver does not, and virtual-hosted addressing needs it."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def enable_versioning(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
