"""A bucket as folders: one page of keys under a prefix, an object's details, downloads, deletes.

A page lists at most ``size`` entries (folders rolled up at ``/``) and continues after the last
one with ``?after=``; nothing reads the whole prefix. Object keys travel in query strings,
never in path segments: keys hold ``/``, ``%`` and ``..``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn, own_origin
from welkin.console.obs_access import ANY_KEY, allowed, check, own_bucket, parent_prefix
from welkin.console.obs_buckets import is_public
from welkin.console.obs_signing import Presigner, SignRequest
from welkin.core import errors
from welkin.obs.listing import ListQuery, VersionQuery, list_current, list_versions
from welkin.obs.models import ObjectVersion

PAGE_SIZES = (50, 200, 1000)
DEFAULT_PAGE_SIZE = 200
MAX_VERSIONS_SHOWN = 100
LINK_LIFETIMES = ((900, "15 minutes"), (3600, "1 hour"), (86400, "1 day"))
_MAX_KEY = 1024

_OBJECT_OPS = ("PutObject", "GetObject", "DeleteObject")
_BUCKET_OPS = ("GetBucketVersioning", "PutBucketVersioning", "GetBucketAcl", "PutBucketAcl", "DeleteBucket")


def browser_url(bucket: str, prefix: str = "") -> str:
    query = urlencode({"prefix": prefix}) if prefix else ""
    return f"/console/obs/{bucket}" + (f"?{query}" if query else "")


def crumbs(prefix: str) -> list[tuple[str, str]]:
    """(label, prefix) for each folder above and including ``prefix``."""
    out: list[tuple[str, str]] = []
    start = 0
    while (end := prefix.find("/", start)) >= 0:
        out.append((prefix[start : end + 1], prefix[: end + 1]))
        start = end + 1
    return out


def _query_text(request: Request, name: str, limit: int = _MAX_KEY) -> str:
    value = request.query_params.get(name, "")
    if len(value) > limit:
        raise errors.InvalidArgument(f"{name} is at most {limit} characters.")
    return value


def _form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _choice(raw: str, choices: tuple[int, ...], default: int) -> int:
    return int(raw) if raw.isdigit() and int(raw) in choices else default


def routes(console: Console, presigner: Presigner) -> list[BaseRoute]:
    region = console.region
    objects = region.obs.objects

    async def browse(request: Request, signed: SignedIn) -> Response:
        bucket = await own_bucket(console, signed, request.path_params["bucket"])
        prefix = _query_text(request, "prefix")
        after = _query_text(request, "after")
        size = _choice(request.query_params.get("size", ""), PAGE_SIZES, DEFAULT_PAGE_SIZE)
        await check(console, signed, "ListObjects", bucket)
        page = await list_current(region.db, bucket.name, ListQuery(prefix, "/", after, size))
        folders = [entry.key for entry in page.entries if entry.version is None]
        files = [entry.version for entry in page.entries if entry.version is not None]
        can = await allowed(console, signed, _OBJECT_OPS, bucket, ANY_KEY)
        can |= await allowed(console, signed, _BUCKET_OPS, bucket, None)
        return console.render(
            signed,
            "obs/browser.html",
            section="obs",
            bucket=bucket,
            public=is_public(bucket),
            prefix=prefix,
            after=after,
            size=size,
            sizes=PAGE_SIZES,
            crumbs=crumbs(prefix),
            folders=folders,
            files=files,
            next_after=page.next_key if page.truncated else None,
            can=can,
        )

    async def details(request: Request, signed: SignedIn) -> Response:
        bucket = await own_bucket(console, signed, request.path_params["bucket"])
        key = _query_text(request, "key")
        version_id = _query_text(request, "version", 64) or None
        await check(console, signed, "HeadObject", bucket, key, version_id)
        obj = await objects.head(bucket, key, version_id)
        can = await allowed(
            console,
            signed,
            ("GetObject", "DeleteObject", "GetObjectTagging", "ListObjectVersions"),
            bucket,
            key,
        )
        versions: list[ObjectVersion] = []
        more_versions = False
        if can["ListObjectVersions"]:
            versions, more_versions = await _versions_of(bucket.name, key)
        lifetime = _choice(request.query_params.get("expires", ""), tuple(s for s, _ in LINK_LIFETIMES), 3600)
        link = None
        if can["GetObject"]:
            wanted = SignRequest("GetObject", bucket.name, key, version_id=version_id, expires=lifetime)
            origin = own_origin(request)
            link = origin + presigner.sign(signed.principal, origin, wanted).urls[0]
        return console.render(
            signed,
            "obs/object.html",
            section="obs",
            bucket=bucket,
            obj=obj,
            key=key,
            version_id=version_id,
            crumbs=crumbs(parent_prefix(key)),
            tags=obj.attributes.tags if can["GetObjectTagging"] else None,
            versions=versions,
            more_versions=more_versions,
            link=link,
            lifetime=lifetime,
            lifetimes=LINK_LIFETIMES,
            can=can,
        )

    async def _versions_of(bucket: str, key: str) -> tuple[list[ObjectVersion], bool]:
        # Keys sort after their own prefix, so the key's versions come first in this listing.
        page = await list_versions(region.db, bucket, VersionQuery(prefix=key, max_keys=MAX_VERSIONS_SHOWN))
        mine = [e.version for e in page.entries if e.version is not None and e.key == key]
        return mine, page.truncated and len(mine) == len(page.entries)

    async def download(request: Request, signed: SignedIn) -> Response:
        """Off to a presigned GET, signed when clicked: a listing holds no URL that could go stale."""
        bucket = await own_bucket(console, signed, request.path_params["bucket"])
        key = _query_text(request, "key")
        version_id = _query_text(request, "version", 64) or None
        await check(console, signed, "GetObject", bucket, key, version_id)
        wanted = SignRequest("GetObject", bucket.name, key, version_id=version_id, attachment=True)
        wanted.check()
        url = presigner.sign(signed.principal, own_origin(request), wanted).urls[0]
        return RedirectResponse(url, status_code=303)

    async def delete(request: Request, signed: SignedIn, form: FormData) -> Response:
        bucket = await own_bucket(console, signed, request.path_params["bucket"])
        key = _form_text(form, "key")
        version_id = _form_text(form, "version") or None
        await check(console, signed, "DeleteObject", bucket, key, version_id)
        await objects.delete(bucket, key, version_id)
        what = f"{key} (version {version_id})" if version_id else key
        console.flash(signed, f"Deleted {what}.", "ok")
        return console.redirect(browser_url(bucket.name, parent_prefix(key)))

    return [
        console.page("/console/obs/{bucket}", browse, "ListObjects"),
        console.page("/console/obs/{bucket}/object", details, "HeadObject"),
        console.page("/console/obs/{bucket}/download", download, "GetObject"),
        console.action("/console/obs/{bucket}/object/delete", delete, "DeleteObject"),
    ]
