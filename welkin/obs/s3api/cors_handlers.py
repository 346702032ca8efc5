"""?cors on buckets, and the browser's preflight ``OPTIONS`` on buckets and objects.

A preflight needs no signature: it asks whether a cross-origin request would be
allowed, and the bucket's CORS rules answer. The CORS headers of actual requests
are added by :func:`cors_headers`, which the edge calls for requests with ``Origin``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from starlette.responses import Response

from welkin.core import errors as core
from welkin.obs import errors
from welkin.obs.buckets import BucketService
from welkin.obs.cors import MAX_RULES, CorsRule, dump_rules, find_rule, load_rules
from welkin.obs.models import Bucket
from welkin.obs.s3api.request import S3Request
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import Tree, child_text, parse, xml_response

MAX_CORS_BYTES = 64 * 1024
NOT_ALLOWED = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."  # noqa: E501


class CorsHandlers:
    def __init__(self, buckets: BucketService) -> None:
        self._buckets = buckets

    def register(self, routes: Routes) -> None:
        routes.add("GET", "bucket", "cors", "GetBucketCors", self.get_cors)
        routes.add("PUT", "bucket", "cors", "PutBucketCors", self.put_cors)
        routes.add("DELETE", "bucket", "cors", "DeleteBucketCors", self.delete_cors)
        routes.add("OPTIONS", "bucket", "*", "PreflightCors", self.preflight)
        routes.add("OPTIONS", "object", "*", "PreflightCors", self.preflight)

    async def get_cors(self, req: S3Request) -> Response:
        raw = req.the_bucket().cors
        if raw is None:
            raise errors.NoSuchCORSConfiguration("The CORS configuration does not exist")
        rules: list[Tree] = []
        for rule in load_rules(raw):
            tree: dict[str, object] = {}
            if rule.id is not None:
                tree["ID"] = rule.id
            tree["AllowedHeader"] = list(rule.allowed_headers)
            tree["AllowedMethod"] = list(rule.allowed_methods)
            tree["AllowedOrigin"] = list(rule.allowed_origins)
            tree["ExposeHeader"] = list(rule.expose_headers)
            if rule.max_age_seconds is not None:
                tree["MaxAgeSeconds"] = rule.max_age_seconds
            rules.append(tree)  # type: ignore[arg-type]
        return xml_response("CORSConfiguration", {"CORSRule": rules})

    async def put_cors(self, req: S3Request) -> Response:
        rules = parse_cors(await req.body(MAX_CORS_BYTES))
        await self._buckets.set_document(req.the_bucket().name, "cors", dump_rules(rules))
        return Response(status_code=200)

    async def delete_cors(self, req: S3Request) -> Response:
        await self._buckets.set_document(req.the_bucket().name, "cors", None)
        return Response(status_code=204)

    async def preflight(self, req: S3Request) -> Response:
        origin = req.header("origin")
        method = req.header("access-control-request-method")
        if not origin:
            raise core.BadRequest("Insufficient information. Origin request header needed.")
        if not method:
            raise core.BadRequest("Invalid Access-Control-Request-Method: null")
        bucket = await self._buckets.get(req.bucket_name or "")
        asked = _header_list(req.header("access-control-request-headers"))
        answer = find_rule(load_rules(bucket.cors), origin, method, asked) if bucket.cors else None
        if answer is None:
            raise core.AccessDenied(NOT_ALLOWED)
        return Response(status_code=200, headers=answer.headers(method, asked, preflight=True))


def cors_headers(bucket: Bucket | None, request_headers: Mapping[str, str], method: str) -> dict[str, str]:
    """The CORS headers an actual (not preflight) request from a browser origin gets."""
    origin = request_headers.get("origin")
    if bucket is None or not bucket.cors or not origin:
        return {}
    answer = find_rule(load_rules(bucket.cors), origin, method)
    return answer.headers(method, (), preflight=False) if answer is not None else {}


def parse_cors(body: bytes) -> list[CorsRule]:
    root = parse(body, "CORSConfiguration")
    elements = root.findall("CORSRule")
    if not elements:
        raise errors.MalformedXML("CORSConfiguration needs at least one CORSRule")
    if len(elements) > MAX_RULES:
        raise errors.MalformedXML(f"a CORS configuration holds at most {MAX_RULES} rules")
    rules = []
    for element in elements:
        max_age = child_text(element, "MaxAgeSeconds")
        if max_age is not None and not max_age.isdigit():
            raise errors.MalformedXML("MaxAgeSeconds must be a whole number of seconds")
        rules.append(
            CorsRule(
                allowed_origins=_texts(element, "AllowedOrigin"),
                allowed_methods=_texts(element, "AllowedMethod"),
                allowed_headers=_texts(element, "AllowedHeader"),
                expose_headers=_texts(element, "ExposeHeader"),
                max_age_seconds=int(max_age) if max_age is not None else None,
                id=child_text(element, "ID"),
            )
        )
    return rules


def _texts(element: ET.Element, name: str) -> tuple[str, ...]:
    return tuple((node.text or "").strip() for node in element.findall(name))


def _header_list(value: str) -> list[str]:
    return [h.strip().lower() for h in value.split(",") if h.strip()]
