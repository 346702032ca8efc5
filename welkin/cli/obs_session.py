"""S3 clients for ``welkin obs``: one per profile alias, and S3 errors as the CLI's ApiError.

The S3 endpoint is the profile's endpoint (every Welkin API shares one port), addressed
path-style and signed with s3v4. A profile logged in with an access key signs with it; a
profile holding only a token first trades it for a temporary key (``securitytokens``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from welkin.cli.client import ApiError
from welkin.cli.config import ConfigError, Profile
from welkin.cli.session import open_client

DEFAULT_REGION = "local-1"
# Long enough for a large transfer; the server clamps it to what it allows.
_TEMPORARY_SECONDS = 3600


@dataclass(frozen=True)
class S3Keys:
    access_key: str
    secret_key: str
    session_token: str | None = None


def _keys(alias: str) -> tuple[S3Keys, Profile]:
    client, profile = open_client(alias)
    if profile.access_key and profile.secret_key:
        client.close()
        return S3Keys(profile.access_key, profile.secret_key), profile
    body = {
        "auth": {
            "identity": {"methods": ["token"], "token": {"duration_seconds": _TEMPORARY_SECONDS}},
        }
    }
    with client:
        key = client.post("/v3.0/OS-CREDENTIAL/securitytokens", body)["credential"]
    return S3Keys(key["access"], key["secret"], key["securitytoken"]), profile


class S3Clients:
    """boto3 clients by alias, made on first use; the keys for a token profile are fetched once."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}

    def get(self, alias: str) -> Any:
        if alias not in self._clients:
            keys, profile = _keys(alias)
            if not profile.endpoint:
                raise ConfigError(f"profile {alias!r} has no endpoint")
            self._clients[alias] = boto3.session.Session().client(
                "s3",
                endpoint_url=profile.endpoint,
                region_name=profile.region or DEFAULT_REGION,
                aws_access_key_id=keys.access_key,
                aws_secret_access_key=keys.secret_key,
                aws_session_token=keys.session_token,
                config=Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path"},
                    retries={"max_attempts": 3, "mode": "standard"},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                ),
            )
        return self._clients[alias]

    def region(self, alias: str) -> str:
        return str(self.get(alias).meta.region_name)


def _from_client_error(exc: ClientError) -> ApiError:
    error = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    status = int(meta.get("HTTPStatusCode") or 0) or 400
    code = str(error.get("Code") or "")
    message = str(error.get("Message") or "")
    if code.isdigit() or not message:
        # HEAD answers carry no body: name the failure by its status alone.
        code, message = {404: ("NotFound", "not found"), 403: ("AccessDenied", "access denied")}.get(
            status, (code, f"HTTP {status}")
        )
    request_id = str(meta.get("RequestId") or "")
    return ApiError(status, message, code, request_id)


@contextmanager
def s3_errors(what: str = "") -> Iterator[None]:
    """botocore's exceptions as ApiError (status 0 when unreachable), prefixed with ``what``."""
    try:
        yield
    except ClientError as exc:
        api = _from_client_error(exc)
        if what:
            api.message = f"{what}: {api.message}"
        raise api from None
    except Boto3Error as exc:
        # S3Transfer wraps the server's answer in its own exception; report the answer.
        cause = exc.__context__
        if isinstance(cause, ClientError):
            raise _from_client_error(cause) from None
        raise ApiError(0, str(exc)) from None
    except EndpointConnectionError as exc:
        raise ApiError(0, f"cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}") from None
    except BotoCoreError as exc:
        raise ApiError(0, str(exc)) from None
