"""?acl on buckets and objects: read and replace ACLs, by canned name, grant headers or XML.

The XML is S3's ``AccessControlPolicy``: an ``Owner`` and an ``AccessControlList`` of
``Grant``s, each a ``Grantee`` (``xsi:type`` ``CanonicalUser`` with an ``ID``, or
``Group`` with a ``URI``) and a ``Permission``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from starlette.responses import Response

from welkin.core import errors as core
from welkin.obs.acl import AccessControlList, Grant, Grantee, GranteeKind, Permission
from welkin.obs.acl_documents import acl_from_grant_headers, dump_acl, grantee_from_uri, group_uri, load_acl
from welkin.obs.buckets import BucketService
from welkin.obs.objects import ObjectService
from welkin.obs.s3api.request import CANNED_ACLS, S3Request
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import NS, child_text, parse

XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_ACL_BYTES = 64 * 1024


class AclHandlers:
    def __init__(self, buckets: BucketService, objects: ObjectService) -> None:
        self._buckets = buckets
        self._objects = objects

    def register(self, routes: Routes) -> None:
        routes.add("GET", "bucket", "acl", "GetBucketAcl", self.get_bucket_acl)
        routes.add("PUT", "bucket", "acl", "PutBucketAcl", self.put_bucket_acl)
        routes.add("GET", "object", "acl", "GetObjectAcl", self.get_object_acl)
        routes.add("PUT", "object", "acl", "PutObjectAcl", self.put_object_acl)

    async def get_bucket_acl(self, req: S3Request) -> Response:
        bucket = req.the_bucket()
        return _acl_response(load_acl(bucket.acl, bucket.account_id))

    async def put_bucket_acl(self, req: S3Request) -> Response:
        bucket = req.the_bucket()
        acl = await _requested_acl(req, bucket.account_id, None)
        await self._buckets.set_document(bucket.name, "acl", acl)
        return Response(status_code=200)

    async def get_object_acl(self, req: S3Request) -> Response:
        bucket = req.the_bucket()
        obj = await self._objects.head(bucket, req.the_key(), req.query.get("versionId") or None)
        headers = {"x-amz-version-id": obj.version_id} if obj.version_id != "null" else {}
        return _acl_response(load_acl(obj.attributes.acl, obj.owner_id, bucket.account_id), headers)

    async def put_object_acl(self, req: S3Request) -> Response:
        bucket = req.the_bucket()
        obj = await self._objects.head(bucket, req.the_key(), req.query.get("versionId") or None)
        acl = await _requested_acl(req, obj.owner_id, bucket.account_id)
        await self._objects.set_acl(obj, acl)
        headers = {"x-amz-version-id": obj.version_id} if obj.version_id != "null" else {}
        return Response(status_code=200, headers=headers)


async def _requested_acl(req: S3Request, owner_id: str, bucket_owner_id: str | None) -> str:
    """The stored form of the ACL a PUT ?acl asks for; exactly one way of saying it is allowed."""
    headers = req.headers
    canned = headers.get("x-amz-acl") or headers.get("x-obs-acl")
    granted = acl_from_grant_headers(headers, owner_id)
    body = await req.body(MAX_ACL_BYTES)
    given = [canned is not None, granted is not None, bool(body.strip())]
    if sum(given) > 1:
        raise core.InvalidArgument("Specify an ACL by one of x-amz-acl, x-amz-grant-* headers or the body")
    if canned is not None:
        if canned not in CANNED_ACLS:
            raise core.InvalidArgument(f"{canned!r} is not a canned ACL")
        return json.dumps(canned)
    if granted is not None:
        return dump_acl(granted)
    if not body.strip():
        raise core.InvalidArgument(
            "PUT ?acl needs x-amz-acl, x-amz-grant-* headers or an AccessControlPolicy"
        )
    return dump_acl(parse_access_control_policy(body, owner_id))


def parse_access_control_policy(body: bytes, owner_id: str) -> AccessControlList:
    root = parse(body, "AccessControlPolicy")
    owner = root.find("Owner")
    if owner is not None and (child_text(owner, "ID") or owner_id) != owner_id:
        raise core.AccessDenied("Access Denied")
    listing = root.find("AccessControlList")
    if listing is None:
        raise core.MalformedBody("AccessControlPolicy needs an AccessControlList")
    grants: list[Grant] = []
    for element in listing.findall("Grant"):
        grantee_element = element.find("Grantee")
        permission = child_text(element, "Permission")
        if grantee_element is None or permission is None:
            raise core.MalformedBody("each Grant needs a Grantee and a Permission")
        try:
            granted = Permission(permission)
        except ValueError:
            raise core.MalformedBody(f"unknown permission {permission!r}") from None
        grants.append(Grant(_grantee(grantee_element), granted))
    return AccessControlList(owner_id=owner_id, grants=tuple(grants))


def _grantee(element: ET.Element) -> Grantee:
    kind = next((v for k, v in element.attrib.items() if k.endswith("type")), None)
    account = child_text(element, "ID")
    uri = child_text(element, "URI")
    if kind == "CanonicalUser" or (kind is None and account):
        if not account:
            raise core.MalformedBody("a CanonicalUser grantee needs an ID")
        return Grantee.account(account)
    if kind == "Group" or (kind is None and uri):
        if not uri:
            raise core.MalformedBody("a Group grantee needs a URI")
        return grantee_from_uri(uri)
    raise core.InvalidArgument(f"grantee type {kind!r} is not supported; use CanonicalUser or Group")


def _acl_response(acl: AccessControlList, headers: dict[str, str] | None = None) -> Response:
    ET.register_namespace("xsi", XSI)
    root = ET.Element("AccessControlPolicy", {"xmlns": NS})
    owner = ET.SubElement(root, "Owner")
    ET.SubElement(owner, "ID").text = acl.owner_id
    ET.SubElement(owner, "DisplayName").text = acl.owner_id
    listing = ET.SubElement(root, "AccessControlList")
    for grant in acl.grants:
        element = ET.SubElement(listing, "Grant")
        grantee = grant.grantee
        if grantee.kind is GranteeKind.ACCOUNT:
            node = ET.SubElement(element, "Grantee", {f"{{{XSI}}}type": "CanonicalUser"})
            ET.SubElement(node, "ID").text = grantee.account_id
            ET.SubElement(node, "DisplayName").text = grantee.account_id
        else:
            node = ET.SubElement(element, "Grantee", {f"{{{XSI}}}type": "Group"})
            ET.SubElement(node, "URI").text = group_uri(grantee)
        ET.SubElement(element, "Permission").text = grant.permission.value
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return Response(body, 200, headers=headers or {}, media_type="application/xml")
