"""Browser uploads: ``POST /bucket`` with a multipart/form-data body (S3 PostObject).

The form, not the request, carries the credentials: a signed form is the signer's
(``x-amz-credential`` and ``x-amz-signature`` over the base64 ``policy``), an unsigned
one is anonymous. Order matters: the fields before the file are read, the signature
and the policy are checked, and the requester is authorized for PutObject, all before
a byte of the file is stored; the file's size is checked against the policy's
``content-length-range`` as it streams, so an object out of range never appears.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import quote, urlencode

from starlette.responses import Response

from welkin.core import errors as core
from welkin.core.clock import Clock
from welkin.iam.authn import Authenticator
from welkin.iam.models import Principal
from welkin.iam.post_signature import PostSignature
from welkin.obs import errors
from welkin.obs.buckets import BucketService
from welkin.obs.models import ObjectVersion
from welkin.obs.objects import IncomingBody, ObjectService
from welkin.obs.operations import OPERATIONS
from welkin.obs.post_policy import LengthRange, parse_post_policy
from welkin.obs.s3api.authorize import Authorizer
from welkin.obs.s3api.object_handlers import write_headers
from welkin.obs.s3api.post_form import PostForm, form_boundary, read_post_form
from welkin.obs.s3api.request import S3Request, canned_acl, check_tags, object_attributes
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.tagging_handlers import parse_tagging
from welkin.obs.s3api.xml import xml_response

_ALGORITHM = "AWS4-HMAC-SHA256"


class PostObjectHandlers:
    def __init__(
        self,
        authn: Authenticator,
        authorizer: Authorizer,
        buckets: BucketService,
        objects: ObjectService,
        clock: Clock,
    ) -> None:
        self._authn = authn
        self._authorizer = authorizer
        self._buckets = buckets
        self._objects = objects
        self._clock = clock

    def register(self, routes: Routes) -> None:
        routes.add("POST", "bucket", "", "PostObject", self.post)

    async def post(self, req: S3Request) -> Response:
        boundary = form_boundary(req.header("content-type"))
        req.bucket = bucket = await self._buckets.get(req.bucket_name or "")
        form = await read_post_form(req.stream(), boundary)
        fields = form.fields
        raw_key = fields.get("key")
        if not raw_key:
            raise core.InvalidArgument("Bucket POST must contain a field named 'key'.")
        req.requester = await self._signer(fields)
        length: LengthRange | None = None
        if "policy" in fields:
            policy = parse_post_policy(fields["policy"])
            policy.check({**fields, "bucket": bucket.name}, self._clock.now())
            length = policy.length
        elif req.requester is not None:
            raise core.InvalidArgument("Bucket POST must contain a field named 'policy'.")
        key = raw_key.replace("${filename}", form.filename)
        req.key = key
        await self._authorizer.check(req, OPERATIONS["PostObject"], bucket, key, None)
        headers = dict(fields)
        if "content-type" not in headers and form.file_content_type:
            headers["content-type"] = form.file_content_type
        attributes = object_attributes(headers, canned_acl({"x-amz-acl": fields.get("acl", "private")}))
        if fields.get("tagging"):
            tags = parse_tagging(fields["tagging"].encode())
            check_tags(tags)
            attributes = replace(attributes, tags=tags)
        body = IncomingBody(_within(form.file, length))
        obj = await self._objects.put(bucket, key, body, attributes, req.requester_id())
        return _response(req, form, obj)

    async def _signer(self, fields: dict[str, str]) -> Principal | None:
        if "signature" in fields or "awsaccesskeyid" in fields:
            raise core.InvalidArgument(f"POST forms must be signed with {_ALGORITHM} (x-amz-signature).")
        if "x-amz-signature" not in fields:
            return None
        if fields.get("x-amz-algorithm") != _ALGORITHM:
            raise core.InvalidArgument(f"x-amz-algorithm must be {_ALGORITHM}.")
        if "policy" not in fields or "x-amz-credential" not in fields:
            raise core.InvalidArgument("A signed POST form needs the policy and x-amz-credential fields.")
        form = PostSignature.from_form(
            fields["x-amz-credential"],
            fields["policy"],
            fields["x-amz-signature"],
            fields.get("x-amz-security-token"),
        )
        return await self._authn.principal_from_post_form(form)


async def _within(stream: AsyncIterator[bytes], length: LengthRange | None) -> AsyncIterator[bytes]:
    # Raising inside the stream, before the writer returns, keeps the object from being committed.
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if length is not None and size > length.maximum:
            raise errors.EntityTooLarge("Your proposed upload exceeds the maximum allowed size")
        yield chunk
    if length is not None and size < length.minimum:
        raise errors.EntityTooSmall("Your proposed upload is smaller than the minimum allowed size")


def _response(req: S3Request, form: PostForm, obj: ObjectVersion) -> Response:
    fields = form.fields
    headers = write_headers(obj)
    location = str(req.request.url.replace(query="")).rstrip("/") + "/" + quote(obj.key)
    headers["Location"] = location
    redirect = fields.get("success_action_redirect") or fields.get("redirect")
    if redirect and redirect.startswith(("http://", "https://")):
        query = urlencode({"bucket": obj.bucket, "key": obj.key, "etag": obj.quoted_etag})
        headers["Location"] = redirect + ("&" if "?" in redirect else "?") + query
        return Response(status_code=303, headers=headers)
    status = fields.get("success_action_status", "204")
    if status == "201":
        tree = {"Location": location, "Bucket": obj.bucket, "Key": obj.key, "ETag": obj.quoted_etag}
        return xml_response("PostResponse", tree, 201, headers)
    return Response(status_code=200 if status == "200" else 204, headers=headers)
