"""S3's XML: building responses and reading request documents safely."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from starlette.responses import Response

from welkin.obs import errors

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_DOCUMENT_BYTES = 1 << 20

Value = str | int | bool | datetime | None
Tree = Mapping[str, "Value | Tree | Iterable[Tree]"]
Node = Value | Tree | Iterable[Tree]  # one entry of a Tree


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Interleaved:
    """Elements of several names in one given order (``<Version>`` and ``<DeleteMarker>``
    entries in key order); its key in the enclosing tree is not rendered."""

    elements: list[tuple[str, Tree]]


def _fill(parent: ET.Element, tree: Tree) -> None:
    for name, value in tree.items():
        if isinstance(value, Interleaved):
            for child_name, child in value.elements:
                _fill(ET.SubElement(parent, child_name), child)
        elif isinstance(value, Mapping):
            _fill(ET.SubElement(parent, name), value)
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, Mapping):
                    _fill(ET.SubElement(parent, name), item)
                else:
                    ET.SubElement(parent, name).text = _text(item)
        else:
            ET.SubElement(parent, name).text = _text(value)  # type: ignore[arg-type]


def document(root: str, tree: Tree, namespace: bool = True) -> bytes:
    element = ET.Element(root, {"xmlns": NS} if namespace else {})
    _fill(element, tree)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def xml_response(
    root: str, tree: Tree, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(document(root, tree), status, headers=dict(headers or {}), media_type="application/xml")


def parse(body: bytes, root: str) -> ET.Element:
    """Parse a request document whose root element must be ``root``; namespaces are dropped."""
    if not body.strip():
        raise errors.MalformedXML(
            "The XML you provided was not well-formed or did not validate against our published schema"
        )
    try:
        element: ET.Element = SafeET.fromstring(body, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise errors.MalformedXML(f"The XML you provided was not well-formed: {exc}") from None
    for node in element.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    if element.tag != root:
        raise errors.MalformedXML(f"expected a <{root}> document, got <{element.tag}>")
    return element


def child_text(element: ET.Element, name: str, default: str | None = None) -> str | None:
    found = element.find(name)
    if found is None:
        return default
    return (found.text or "").strip()


def error_body(code: str, message: str, request_id: str, extra: Mapping[str, str] | None = None) -> bytes:
    tree: dict[str, Value] = {"Code": code, "Message": message}
    tree.update(extra or {})
    tree["RequestId"] = request_id
    return document("Error", tree, namespace=False)
