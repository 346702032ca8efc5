"""Metering at the S3 edge: who pays for a request, and the bytes its response really sent.

The edge is the one place that knows the operation, the bucket, the final status and what
went out, so it records each billed request once, as its response ends (see
``welkin.obs.usage_meter`` for what counts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Message, Send

from welkin.obs.s3api.request import S3Request
from welkin.obs.usage_meter import RequestClass, is_billable_status, request_class


@dataclass(frozen=True)
class BilledRequest:
    account_id: str  # the bucket owner's account
    bucket: str
    request_class: RequestClass


def billed_request(method: str, s3: S3Request | None, status: int) -> BilledRequest | None:
    """What a request is billed as, or None when it is free or has nobody to bill.

    A request to a bucket that does not exist has no owner and is not billed; nor is one
    refused before its operation was known (a malformed or unsupported request).
    """
    if s3 is None or not is_billable_status(status):
        return None
    kind = request_class(method, s3.operation)
    if kind is None:
        return None
    if s3.bucket is not None:
        return BilledRequest(s3.bucket.account_id, s3.bucket.name, kind)
    # A bucket just created was looked up by nobody: its creator owns it.
    if s3.operation == "CreateBucket" and status < 300 and s3.requester is not None and s3.bucket_name:
        return BilledRequest(s3.requester.account_id, s3.bucket_name, kind)
    return None


class ResponseTally:
    """Stands in for one response's ``send``: counts the body bytes handed on, and records
    the request once, with them.

    The record is made just before the body's last bytes go out (the message that ends it,
    or the one that completes its Content-Length, after which a client has its answer), so
    a client that got the whole response is billed even when the process dies at once
    after; a response cut short (a client that went away, a failed read) is recorded by
    ``finish`` with what was sent until then.
    """

    def __init__(self, send: Send, record: Callable[[int], None], counts_body: bool) -> None:
        self._send = send
        self._record = record
        self._counts_body = counts_body
        self._length: int | None = None
        self._sent = 0
        self._recorded = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start" and self._counts_body:
            self._length = _content_length(message)
        elif message["type"] == "http.response.body":
            if self._counts_body:
                self._sent += len(message.get("body", b""))
            completes = self._length is not None and self._sent >= self._length
            if completes or not message.get("more_body", False):
                self.finish()
        await self._send(message)

    def finish(self) -> None:
        if not self._recorded:
            self._recorded = True
            self._record(self._sent)


def _content_length(message: Message) -> int | None:
    for name, value in message.get("headers", []):
        if name.lower() == b"content-length" and value.isdigit():
            return int(value)
    return None
