"""Where the record of a finished asynchronous invocation goes: another function, or OBS.

The record follows FunctionGraph's (and Lambda's) destination record::

    {"timestamp", "request_context": {"request_id", "function_urn", "condition",
     "approximate_invoke_count"}, "request_payload", "response_context":
     {"status_code", "function_error"}, "response_payload"}

A FunctionGraph destination is invoked asynchronously with the record as its event. An OBS
destination gets the record as ``{prefix}/{request_id}.json`` in its bucket, written through
Welkin's own S3 API with the temporary keys of the function's agency, so bucket policies and
the agency's IAM grants decide, exactly as for a function writing there itself.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from welkin.core import errors
from welkin.functions.async_models import AsyncInvocation, Destination, DestinationKind
from welkin.functions.credentials import AgencyCredentials
from welkin.functions.urns import parse_ref

# (project_id, function URN text, event) -> request id of the queued invocation
InvokeAsync = Callable[[str, str, bytes], Awaitable[str]]


def record(
    item: AsyncInvocation,
    function_urn: str,
    condition: str,
    status_code: int,
    function_error: str,
    response: Any,
    at: datetime,
) -> bytes:
    try:
        request_payload: Any = json.loads(item.event)
    except ValueError:
        request_payload = item.event.decode("utf-8", "replace")
    return json.dumps(
        {
            "timestamp": at.isoformat(),
            "request_context": {
                "request_id": item.request_id,
                "function_urn": function_urn,
                "condition": condition,
                "approximate_invoke_count": item.attempts,
            },
            "request_payload": request_payload,
            "response_context": {"status_code": status_code, "function_error": function_error},
            "response_payload": response,
        }
    ).encode()


class DestinationWriter:
    def __init__(
        self, region: str, endpoint: str, credentials: AgencyCredentials, invoke_async: InvokeAsync
    ) -> None:
        self._region = region
        self._endpoint = endpoint.rstrip("/")
        self._credentials = credentials
        self._invoke_async = invoke_async

    async def send(self, destination: Destination, item: AsyncInvocation, agency: str, body: bytes) -> None:
        if destination.kind is DestinationKind.FUNCTIONGRAPH:
            urn = destination.value("func_urn")
            parse_ref(urn, self._region, item.project_id)  # another project's function: not found
            await self._invoke_async(item.project_id, urn, body)
            return
        if not agency:
            raise errors.AccessDenied("An OBS destination needs the function to have an agency (app_xrole).")
        bucket = destination.value("bucket")
        prefix = destination.value("prefix").strip("/")
        key = f"{prefix}/{item.request_id}.json" if prefix else f"{item.request_id}.json"
        await self._put(item.account_id, agency, bucket, key, body)

    async def _put(self, account_id: str, agency: str, bucket: str, key: str, body: bytes) -> None:
        access_key, secret_key, token = await self._credentials.for_agency(account_id, agency, 60)
        url = f"{self._endpoint}/{bucket}/{key}"
        request = AWSRequest(method="PUT", url=url, data=body, headers={"Content-Type": "application/json"})
        S3SigV4Auth(Credentials(access_key, secret_key, token), "s3", self._region).add_auth(request)
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.put(url, content=body, headers=dict(request.headers.items()))
        if response.status_code >= 300:
            raise errors.AccessDenied(
                f"Writing the destination record to obs://{bucket}/{key} failed: "
                f"{response.status_code} {response.text[:300]}"
            )
