"""Bucket lifecycle rules: the configuration document, validated, and what each rule selects.

Stored as JSON in the bucket's "lifecycle" document; lifecycle.py applies them.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from welkin.core import errors as core
from welkin.obs.errors import MalformedXML
from welkin.obs.models import ObjectVersion

MAX_RULES = 1000


@dataclass(frozen=True)
class RuleFilter:
    prefix: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def selects(self, key: str, tags: dict[str, str]) -> bool:
        return key.startswith(self.prefix) and all(tags.get(k) == v for k, v in self.tags.items())


@dataclass(frozen=True)
class Rule:
    id: str
    enabled: bool
    filter: RuleFilter
    expiration_days: int | None = None
    expiration_date: str | None = None  # ISO 8601, midnight UTC
    expired_object_delete_marker: bool = False
    noncurrent_days: int | None = None
    newer_noncurrent_versions: int | None = None
    abort_upload_days: int | None = None

    def selects(self, obj: ObjectVersion) -> bool:
        return self.enabled and self.filter.selects(obj.key, obj.attributes.tags)

    def current_expired(self, obj: ObjectVersion, now: datetime) -> bool:
        if self.expiration_days is not None:
            return now >= after_days(obj.last_modified, self.expiration_days)
        if self.expiration_date is not None:
            return now >= datetime.fromisoformat(self.expiration_date)
        return False


def after_days(start: datetime, days: int) -> datetime:
    """S3's rule: ``days`` after ``start``, rounded up to the next midnight UTC."""
    moment = start.astimezone(UTC) + timedelta(days=days)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == moment else midnight + timedelta(days=1)


def parse_configuration(root: ET.Element) -> list[Rule]:
    rules = [_rule(element) for element in root.findall("Rule")]
    if not rules:
        raise MalformedXML("a LifecycleConfiguration needs at least one Rule")
    if len(rules) > MAX_RULES:
        raise core.InvalidArgument(f"a lifecycle configuration has at most {MAX_RULES} rules")
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise core.InvalidArgument("Rule ID must be unique. Found same ID for more than one rule")
    return rules


def _rule(element: ET.Element) -> Rule:
    rule_id = (element.findtext("ID") or "").strip()
    if len(rule_id) > 255:
        raise core.InvalidArgument("ID length should not exceed allowed limit of 255")
    status = (element.findtext("Status") or "").strip()
    if status not in ("Enabled", "Disabled"):
        raise MalformedXML("a Rule's Status is Enabled or Disabled")
    rule_filter = _filter(element)
    days, date, marker = _expiration(element.find("Expiration"))
    noncurrent = element.find("NoncurrentVersionExpiration")
    noncurrent_days = newer = None
    if noncurrent is not None:
        noncurrent_days = _positive(noncurrent, "NoncurrentDays", required=True)
        newer = _positive(noncurrent, "NewerNoncurrentVersions", required=False)
    abort = element.find("AbortIncompleteMultipartUpload")
    abort_days = _positive(abort, "DaysAfterInitiation", required=True) if abort is not None else None
    if abort_days is not None and rule_filter.tags:
        raise core.InvalidArgument("AbortIncompleteMultipartUpload cannot be specified with Tags.")
    if marker and rule_filter.tags:
        raise core.InvalidArgument("ExpiredObjectDeleteMarker cannot be specified with Tags.")
    if days is None and date is None and not marker and noncurrent_days is None and abort_days is None:
        raise MalformedXML("a Rule needs at least one action")
    return Rule(
        rule_id or _generated_id(element),
        status == "Enabled",
        rule_filter,
        days,
        date,
        marker,
        noncurrent_days,
        newer,
        abort_days,
    )


def _generated_id(element: ET.Element) -> str:
    return hashlib.sha256(ET.tostring(element)).hexdigest()[:32]


def _filter(element: ET.Element) -> RuleFilter:
    legacy = element.find("Prefix")
    found = element.find("Filter")
    if legacy is not None and found is not None:
        raise MalformedXML("a Rule has either Prefix or Filter, not both")
    if found is None:
        return RuleFilter(prefix=(legacy.text or "") if legacy is not None else "")
    children = list(found)
    if len(children) > 1:
        raise MalformedXML("a Filter holds one of Prefix, Tag or And")
    if not children:
        return RuleFilter()
    child = children[0]
    if child.tag == "Prefix":
        return RuleFilter(prefix=child.text or "")
    if child.tag == "Tag":
        key, value = _tag(child)
        return RuleFilter(tags={key: value})
    if child.tag == "And":
        tags: dict[str, str] = {}
        for tag in child.findall("Tag"):
            key, value = _tag(tag)
            if key in tags:
                raise core.InvalidArgument("Duplicate Tag Keys are not allowed.")
            tags[key] = value
        return RuleFilter(prefix=child.findtext("Prefix") or "", tags=tags)
    if child.tag in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        raise core.InvalidArgument(f"Welkin does not support the {child.tag} lifecycle filter")
    raise MalformedXML(f"unexpected <{child.tag}> in a lifecycle Filter")


def _tag(element: ET.Element) -> tuple[str, str]:
    key = element.findtext("Key")
    if not key:
        raise MalformedXML("a lifecycle Tag needs a Key")
    return key, element.findtext("Value") or ""


def _expiration(element: ET.Element | None) -> tuple[int | None, str | None, bool]:
    if element is None:
        return None, None, False
    days = _positive(element, "Days", required=False)
    raw_date = element.findtext("Date")
    raw_marker = element.findtext("ExpiredObjectDeleteMarker")
    if sum(x is not None for x in (days, raw_date, raw_marker)) != 1:
        raise MalformedXML("an Expiration holds exactly one of Days, Date or ExpiredObjectDeleteMarker")
    date = None
    if raw_date is not None:
        try:
            parsed = datetime.fromisoformat(raw_date.strip().replace("Z", "+00:00"))
        except ValueError:
            raise core.InvalidArgument("Invalid date: expected ISO 8601 at midnight UTC") from None
        parsed = parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
        if parsed.time() != datetime.min.time():
            raise core.InvalidArgument("'Date' must be at midnight GMT")
        date = parsed.isoformat()
    marker = False
    if raw_marker is not None:
        if raw_marker.strip() not in ("true", "false"):
            raise MalformedXML("ExpiredObjectDeleteMarker is true or false")
        marker = raw_marker.strip() == "true"
    return days, date, marker


def _positive(element: ET.Element, name: str, required: bool) -> int | None:
    raw = element.findtext(name)
    if raw is None:
        if required:
            raise MalformedXML(f"<{element.tag}> needs <{name}>")
        return None
    if not raw.strip().isdigit() or int(raw) <= 0:
        raise core.InvalidArgument(f"'{name}' for {element.tag} action must be a positive integer")
    return int(raw)


def to_json(rules: list[Rule]) -> str:
    return json.dumps([asdict(rule) for rule in rules])


def from_json(text: str | None) -> list[Rule]:
    if not text:
        return []
    rules = []
    for data in json.loads(text):
        data["filter"] = RuleFilter(**data["filter"])
        rules.append(Rule(**data))
    return rules


def render(rule: Rule) -> dict[str, Any]:
    """A rule as a <Rule> element's children."""
    tree: dict[str, Any] = {"ID": rule.id}
    tags = [{"Key": k, "Value": v} for k, v in rule.filter.tags.items()]
    if len(tags) > 1 or (tags and rule.filter.prefix):
        tree["Filter"] = {"And": {"Prefix": rule.filter.prefix, "Tag": tags}}
    elif tags:
        tree["Filter"] = {"Tag": tags[0]}
    else:
        tree["Filter"] = {"Prefix": rule.filter.prefix}
    tree["Status"] = "Enabled" if rule.enabled else "Disabled"
    if rule.expiration_days is not None:
        tree["Expiration"] = {"Days": rule.expiration_days}
    elif rule.expiration_date is not None:
        tree["Expiration"] = {"Date": datetime.fromisoformat(rule.expiration_date)}
    elif rule.expired_object_delete_marker:
        tree["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    if rule.noncurrent_days is not None:
        noncurrent: dict[str, object] = {"NoncurrentDays": rule.noncurrent_days}
        if rule.newer_noncurrent_versions is not None:
            noncurrent["NewerNoncurrentVersions"] = rule.newer_noncurrent_versions
        tree["NoncurrentVersionExpiration"] = noncurrent
    if rule.abort_upload_days is not None:
        tree["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule.abort_upload_days}
    return tree
