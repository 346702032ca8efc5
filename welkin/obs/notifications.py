"""Bucket event notifications: the configuration document and the events it selects.

A matching configuration turns an object change into one event on Welkin's event bus,
topic ``obs.events`` (``EVENT_TOPIC``). The payload is S3's event record
(``{"Records": [...]}``, eventVersion 2.1) plus ``"target"``: the kind
(Queue, Topic or CloudFunction) and the ARN or function URN of the configuration, so a
consumer such as a FunctionGraph trigger can route it without reading the bucket again.
The event is published in the transaction that changed the object's metadata.
"""

from __future__ import annotations

import json
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy.engine import Connection as Conn

from welkin.core import errors as core
from welkin.core.events import EventBus
from welkin.obs.errors import MalformedXML
from welkin.obs.models import NULL_VERSION, Bucket, ObjectVersion

EVENT_TOPIC = "obs.events"
# Configuration element -> (ARN element, target kind).
KINDS = {
    "QueueConfiguration": ("Queue", "Queue"),
    "TopicConfiguration": ("Topic", "Topic"),
    "CloudFunctionConfiguration": ("CloudFunction", "CloudFunction"),
}
EVENT_NAMES = frozenset(
    {
        "ObjectCreated:Put",
        "ObjectCreated:Post",
        "ObjectCreated:Copy",
        "ObjectCreated:CompleteMultipartUpload",
        "ObjectRemoved:Delete",
        "ObjectRemoved:DeleteMarkerCreated",
    }
)
_PATTERNS = frozenset({f"s3:{name}" for name in EVENT_NAMES} | {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"})
MAX_CONFIGURATIONS = 100


@dataclass(frozen=True)
class NotificationConfig:
    """One Queue/Topic/CloudFunction configuration of a bucket."""

    kind: str  # a KINDS key
    id: str
    target: str  # ARN or function URN
    events: tuple[str, ...]  # "s3:ObjectCreated:*", ...
    prefix: str = ""
    suffix: str = ""

    def selects(self, event_name: str, key: str) -> bool:
        family = event_name.split(":", 1)[0]
        wanted = f"s3:{event_name}" in self.events or f"s3:{family}:*" in self.events
        return wanted and key.startswith(self.prefix) and key.endswith(self.suffix)


def parse_configuration(root: ET.Element) -> list[NotificationConfig]:
    """The configurations of a ``<NotificationConfiguration>`` document, validated."""
    configs: list[NotificationConfig] = []
    for element in root:
        if element.tag == "EventBridgeConfiguration":
            raise core.InvalidArgument("EventBridge destinations are not available in Welkin")
        if element.tag not in KINDS:
            raise MalformedXML(f"unexpected <{element.tag}> in NotificationConfiguration")
        configs.append(_parse_one(element))
    if len(configs) > MAX_CONFIGURATIONS:
        raise core.InvalidArgument(f"a bucket has at most {MAX_CONFIGURATIONS} notification configurations")
    ids = [config.id for config in configs]
    if len(set(ids)) != len(ids):
        raise core.InvalidArgument("notification configuration ids must be unique")
    return configs


def _parse_one(element: ET.Element) -> NotificationConfig:
    arn_tag, _ = KINDS[element.tag]
    target = (element.findtext(arn_tag) or "").strip()
    if not target:
        raise core.InvalidArgument(f"{element.tag} needs a <{arn_tag}> destination")
    events = tuple((e.text or "").strip() for e in element.findall("Event"))
    if not events:
        raise core.InvalidArgument(f"{element.tag} needs at least one <Event>")
    for event in events:
        if event not in _PATTERNS:
            raise core.InvalidArgument(f"The event {event!r} is not supported for notifications")
    prefix, suffix = _filter(element.find("Filter"))
    config_id = (element.findtext("Id") or "").strip() or secrets.token_hex(16)
    return NotificationConfig(element.tag, config_id, target, events, prefix, suffix)


def _filter(element: ET.Element | None) -> tuple[str, str]:
    rules: dict[str, str] = {}
    if element is None:
        return "", ""
    for rule in element.findall("S3Key/FilterRule"):
        name = (rule.findtext("Name") or "").strip().lower()
        if name not in ("prefix", "suffix"):
            raise core.InvalidArgument("FilterRule names must be prefix or suffix")
        if name in rules:
            raise core.InvalidArgument(f"Cannot specify more than one {name} rule in a filter.")
        rules[name] = rule.findtext("Value") or ""
    return rules.get("prefix", ""), rules.get("suffix", "")


def to_json(configs: list[NotificationConfig]) -> str:
    return json.dumps(
        [
            {
                "kind": c.kind,
                "id": c.id,
                "target": c.target,
                "events": list(c.events),
                "prefix": c.prefix,
                "suffix": c.suffix,
            }
            for c in configs
        ]
    )


def from_json(text: str | None) -> list[NotificationConfig]:
    if not text:
        return []
    return [
        NotificationConfig(d["kind"], d["id"], d["target"], tuple(d["events"]), d["prefix"], d["suffix"])
        for d in json.loads(text)
    ]


def render(configs: list[NotificationConfig]) -> dict[str, Any]:
    """The document's children, grouped by configuration element as S3 returns them."""
    tree: dict[str, list[dict[str, object]]] = {}
    for c in configs:
        item: dict[str, object] = {"Id": c.id, KINDS[c.kind][0]: c.target, "Event": list(c.events)}
        named = (("Prefix", c.prefix), ("Suffix", c.suffix))
        rules = [{"Name": name, "Value": value} for name, value in named if value]
        if rules:
            item["Filter"] = {"S3Key": {"FilterRule": rules}}
        tree.setdefault(c.kind, []).append(item)
    return tree


class ObjectEvents:
    """Turns object changes into bus events, for the configurations that select them.

    ``emit`` runs inside the caller's transaction (the outbox row commits with the
    object); ``committed`` wakes the bus's consumers once that transaction is over.
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    def emit(self, conn: Conn, bucket: Bucket, event_name: str, version: ObjectVersion) -> None:
        if event_name not in EVENT_NAMES:
            raise ValueError(event_name)
        for config in from_json(bucket.notification):
            if config.selects(event_name, version.key):
                self._bus.publish(conn, EVENT_TOPIC, event_record(bucket, event_name, version, config))

    def committed(self) -> None:
        self._bus.notify(EVENT_TOPIC)


def event_record(
    bucket: Bucket, event_name: str, version: ObjectVersion, config: NotificationConfig
) -> dict[str, object]:
    obj: dict[str, object] = {
        "key": quote_plus(version.key, safe="/"),
        "sequencer": f"{version.seq:020X}",
    }
    if event_name.startswith("ObjectCreated:"):
        obj.update({"size": version.size, "eTag": version.etag})
    if version.version_id != NULL_VERSION:
        obj["versionId"] = version.version_id
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket.region,
        "eventTime": version.last_modified.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{version.last_modified.microsecond // 1000:03d}Z",
        "eventName": event_name,
        "userIdentity": {"principalId": version.owner_id or bucket.account_id},
        "requestParameters": {"sourceIPAddress": ""},
        "responseElements": {"x-amz-request-id": f"{version.seq:X}", "x-amz-id-2": version.id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": config.id,
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": bucket.account_id},
                "arn": f"arn:aws:s3:::{bucket.name}",
            },
            "object": obj,
        },
    }
    return {"Records": [record], "target": {"kind": KINDS[config.kind][1], "arn": config.target}}
