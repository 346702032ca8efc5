"""The S3 protocol edge: addressing, authentication, routing, and S3's error format.

A request goes: find the bucket and key (path-style or from the Host header) -> check
the signature -> pick the handler from the method, the target (service, bucket or
object) and the sub-resource named in the query -> authorize -> handler -> response.
Any Welkin error on the way becomes ``<Error><Code>..</Code>..</Error>`` with S3's code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from welkin.core import errors as core
from welkin.core.http import request_id
from welkin.iam.api.context import request_view
from welkin.iam.service import Iam
from welkin.obs import errors
from welkin.obs.buckets import BucketService
from welkin.obs.s3api.authorize import Authorizer
from welkin.obs.s3api.body import prepare_body
from welkin.obs.s3api.cors_handlers import cors_headers
from welkin.obs.s3api.dialect import (
    Dialect,
    api_version_response,
    as_s3_headers,
    is_api_version_probe,
    rename_response_headers,
)
from welkin.obs.s3api.metering import ResponseTally, billed_request
from welkin.obs.s3api.request import S3Request, body_left_unread, parse_query
from welkin.obs.s3api.routing import Routes, Target
from welkin.obs.s3api.xml import error_body
from welkin.obs.usage_meter import RequestMeter

log = logging.getLogger("welkin.obs")

# Core errors that S3 names differently; the rest keep their code and status.
_S3_NAMES: dict[type[core.WelkinError], tuple[str, int]] = {
    core.SignatureDoesNotMatch: ("SignatureDoesNotMatch", 403),
    core.RequestExpired: ("RequestTimeTooSkewed", 403),
    core.InvalidAccessKey: ("InvalidAccessKeyId", 403),
    core.InvalidToken: ("InvalidToken", 400),
    core.MissingAuthentication: ("AccessDenied", 403),
    core.InvalidCredentials: ("AccessDenied", 403),
    core.AccountDisabled: ("AccessDenied", 403),
    core.MalformedBody: ("MalformedXML", 400),
    core.RequestTooLarge: ("EntityTooLarge", 400),
    core.InvalidPolicy: ("MalformedPolicy", 400),
}

# Path-style object URLs share their origin with the console (/console), so a public
# text/html object must not run script there, nor be sniffed into something that can.
# S3 clients ignore both headers; every response of this edge carries them, errors and
# listings too, since each can echo a key or a name a stranger chose.
BROWSER_GUARDS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
}


def s3_code(error: core.WelkinError, presigned: bool) -> tuple[str, int, str]:
    if isinstance(error, core.RequestExpired) and presigned:
        return "AccessDenied", 403, "Request has expired"
    for kind in type(error).__mro__:
        if kind in _S3_NAMES:
            code, status = _S3_NAMES[kind]
            return code, status, error.message
    if type(error) is core.BadRequest:
        return "InvalidRequest", 400, error.message
    return error.code, error.status, error.message


def bucket_in_host(host: str, domains: tuple[str, ...]) -> str | None:
    """The bucket a Host header names as ``<bucket>.<domain>`` (port optional); None for any other host.

    The dot is the boundary: under ``localhost``, ``photos.localhost`` is bucket photos,
    while ``mylocalhost`` and ``localhost`` itself name no bucket and are served path-style.
    """
    name = host.lower().rsplit(":", 1)[0]
    for domain in domains:
        if name.endswith("." + domain) and len(name) > len(domain) + 1:
            return name[: -len(domain) - 1]
    return None


@dataclass
class _Exchange:
    """What handling a request found out, kept for metering even when it ended in an error."""

    s3: S3Request | None = None


class S3Api:
    def __init__(
        self,
        iam: Iam,
        buckets: BucketService,
        routes: Routes,
        domains: tuple[str, ...],
        authorizer: Authorizer,
        meter: RequestMeter | None,
    ) -> None:
        """``meter``: where billed requests are recorded; None records none."""
        self._iam = iam
        self._meter = meter
        self._buckets = buckets
        self._routes = routes
        self._authorizer = authorizer
        self._domains = tuple(d.lower() for d in domains)  # bare, as in settings: "localhost"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        query = parse_query(scope.get("query_string", b""))
        exchange = _Exchange()
        try:
            response = await self._handle(request, query, exchange)
        except errors.NotModified as exc:
            response = Response(status_code=304, headers=exc.headers)
        except core.WelkinError as error:
            response = self._error(request, query, error)
        except Exception:
            req_id = request_id(scope)
            log.exception("unhandled error in %s %s (request %s)", scope["method"], scope["path"], req_id)
            internal = core.WelkinError(f"We encountered an internal error; quote request id {req_id}.")
            response = self._error(request, query, internal)
        response.headers["x-amz-request-id"] = request_id(scope)
        response.headers.update(BROWSER_GUARDS)
        rename_response_headers(response, Dialect.of(request.headers, query))
        billed = billed_request(request.method, exchange.s3, response.status_code)
        if self._meter is None or billed is None:
            await response(scope, receive, send)
            return
        record = partial(self._meter.record_request, billed.account_id, billed.bucket, billed.request_class)
        tally = ResponseTally(send, record, counts_body=request.method == "GET")
        try:
            await response(scope, receive, tally.send)
        finally:
            tally.finish()

    def _error(self, request: Request, query: dict[str, str], error: core.WelkinError) -> Response:
        presigned = "X-Amz-Signature" in query or "Signature" in query
        code, status, message = s3_code(error, presigned)
        extra: dict[str, str] = {}
        bucket, key = self._address(request)
        if bucket:
            extra["BucketName"] = bucket
        if key:
            extra["Key"] = key
        headers = dict(error.headers)
        if body_left_unread(request):
            # The rest of the body is still on the wire; the connection cannot carry another
            # request, so end it (as S3 does) rather than read what will be thrown away.
            headers["Connection"] = "close"
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers)
        body = error_body(code, message, request_id(request.scope), extra)
        return Response(body, status, headers=headers, media_type="application/xml")

    def addresses_by_host(self, scope: Scope) -> bool:
        """Whether the Host header names a bucket (virtual-hosted-style addressing)."""
        for name, value in scope.get("headers", []):
            if name == b"host":
                return bucket_in_host(value.decode("latin-1"), self._domains) is not None
        return False

    def _address(self, request: Request) -> tuple[str | None, str | None]:
        raw = request.scope.get("raw_path") or request.url.path.encode()
        path = unquote(raw.decode("latin-1").split("?", 1)[0], encoding="utf-8", errors="surrogateescape")
        bucket = bucket_in_host(request.headers.get("host") or "", self._domains)
        if bucket is not None:
            return bucket, path[1:] or None
        bucket, _, key = path[1:].partition("/")
        return bucket or None, key or None

    async def _handle(self, request: Request, query: dict[str, str], exchange: _Exchange) -> Response:
        if is_api_version_probe(request.method, query):
            return api_version_response()
        bucket_name, key = self._address(request)
        view = request_view(request, None)
        if bucket_name and self.addresses_by_host(request.scope):
            view = replace(view, virtual_bucket=bucket_name)
        target: Target = "object" if key else "bucket" if bucket_name else "service"
        headers = as_s3_headers(request.headers)
        operation, handler = self._routes.find(request.method, target, query, headers)
        signed = await self._iam.authn.check_signature(view, None)
        requester = signed.principal if signed is not None else None
        s3 = exchange.s3 = S3Request(request, bucket_name, key, requester, headers, operation, query)
        if bucket_name and operation not in ("CreateBucket", "PostObject", "PreflightCors"):
            s3.bucket = await self._buckets.get(bucket_name)
        if operation not in ("PreflightCors", "PostObject"):
            await self._authorizer.authorize(s3)
        body = prepare_body(request, s3.headers, signed.signature if signed is not None else None)
        s3.body_stream, s3.trailer_checksum = body.stream, body.trailer_checksum
        s3.payload_check = body.payload_check
        response = await handler(s3)
        response.headers.update(cors_headers(s3.bucket, s3.headers, request.method))
        return response
