"""Buckets: the account's list, and creating, deleting, versioning and opening one to the public.

"Public" is the canned ``public-read`` bucket ACL, as ``PUT ?acl`` with ``x-amz-acl`` stores
it: anyone may list the bucket's keys; reading an object still follows that object's ACL.
"""

from __future__ import annotations

import json

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.obs_access import allowed, check, own_bucket
from welkin.core import errors
from welkin.obs.acl import ALL_USERS, Permission
from welkin.obs.acl_documents import load_acl
from welkin.obs.models import Bucket, Versioning

_VISIBILITY = {"private": "private", "public": "public-read"}
_VERSIONING = {"enabled": Versioning.ENABLED, "suspended": Versioning.SUSPENDED}


def is_public(bucket: Bucket) -> bool:
    acl = load_acl(bucket.acl, bucket.account_id)
    return any(g.grantee == ALL_USERS and g.permission.covers(Permission.READ) for g in acl.grants)


def bucket_url(name: str) -> str:
    return f"/console/obs/{name}"


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def routes(console: Console) -> list[BaseRoute]:
    buckets = console.region.obs.buckets

    async def bucket_list(_request: Request, signed: SignedIn) -> Response:
        await check(console, signed, "ListBuckets", None)
        owned = await buckets.list_owned(signed.account_id)
        # Decided once for the page: the account's IAM speaks for buckets not yet named.
        can = await allowed(
            console, signed, ("CreateBucket", "GetBucketVersioning", "GetBucketAcl"), None, None
        )
        rows = [(bucket, is_public(bucket)) for bucket in owned]
        return console.render(signed, "obs/buckets.html", section="obs", rows=rows, can=can)

    async def create(_request: Request, signed: SignedIn, form: FormData) -> Response:
        name = _field(form, "bucket")
        await check(console, signed, "CreateBucket", None)
        await buckets.create(signed.account_id, name, None, json.dumps("private"))
        console.flash(signed, f"Bucket {name} created.", "ok")
        return console.redirect(bucket_url(name))

    async def delete(request: Request, signed: SignedIn, _form: FormData) -> Response:
        bucket = await own_bucket(console, signed, request.path_params["bucket"])
        await check(console, signed, "DeleteBucket", bucket)
        await buckets.delete(bucket.name)
        console.flash(signed, f"Bucket {bucket.name} deleted.", "ok")
        return console.redirect("/console/obs")

    async def versioning(request: Request, signed: SignedIn, form: FormData) -> Response:
        bucket = await own_bucket(console, signed, request.path_params["bucket"])
        state = _VERSIONING.get(_field(form, "state"))
        if state is None:
            raise errors.InvalidArgument("Versioning is enabled or suspended.")
        await check(console, signed, "PutBucketVersioning", bucket)
        await buckets.set_versioning(bucket.name, state)
        console.flash(signed, f"Versioning {state.value}.", "ok")
        return console.redirect(bucket_url(bucket.name))

    async def visibility(request: Request, signed: SignedIn, form: FormData) -> Response:
        bucket = await own_bucket(console, signed, request.path_params["bucket"])
        canned = _VISIBILITY.get(_field(form, "visibility"))
        if canned is None:
            raise errors.InvalidArgument("A bucket is private or public.")
        await check(console, signed, "PutBucketAcl", bucket)
        await buckets.set_document(bucket.name, "acl", json.dumps(canned))
        public = canned != "private"
        console.flash(signed, f"Bucket {bucket.name} is now {'public' if public else 'private'}.", "ok")
        return console.redirect(bucket_url(bucket.name))

    return [
        console.page("/console/obs", bucket_list, "ListBuckets"),
        console.action("/console/obs", create, "CreateBucket"),
        console.action("/console/obs/{bucket}/delete", delete, "DeleteBucket"),
        console.action("/console/obs/{bucket}/versioning", versioning, "PutBucketVersioning"),
        console.action("/console/obs/{bucket}/visibility", visibility, "PutBucketAcl"),
    ]
