"""What ``welkin obs`` asks without changing anything: listings, metadata, presign lifetimes."""

from __future__ import annotations

import re
from typing import Any

from welkin.cli.obs_listing import objects
from welkin.cli.obs_paths import PathError, RemotePath
from welkin.cli.obs_session import S3Clients, s3_errors

MAX_EXPIRES = 7 * 24 * 3600
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def bucket_rows(clients: S3Clients, alias: str) -> list[dict[str, Any]]:
    with s3_errors(alias):
        buckets = clients.get(alias).list_buckets().get("Buckets", [])
    return [{"name": b["Name"], "created": b["CreationDate"].isoformat()} for b in buckets]


def object_rows(clients: S3Clients, where: RemotePath, recursive: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in objects(clients, where, where.key, "" if recursive else "/"):
        rows.extend(
            {"type": "dir", "size": None, "last_modified": None, "key": p["Prefix"]}
            for p in page.get("CommonPrefixes", [])
        )
        rows.extend(
            {
                "type": "object",
                "size": o["Size"],
                "last_modified": o["LastModified"].isoformat(),
                "key": o["Key"],
            }
            for o in page.get("Contents", [])
        )
    return rows


def expires_seconds(text: str) -> int:
    """``3600``, ``90m``, ``12h`` or ``7d`` as seconds, at most seven days."""
    match = re.fullmatch(r"(\d+)([smhd]?)", text.strip())
    if not match:
        raise PathError(f"--expires {text!r}: give seconds or a number with s, m, h or d (e.g. 12h)")
    seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
    if not 1 <= seconds <= MAX_EXPIRES:
        raise PathError(f"--expires {text!r}: must be between 1 second and 7 days")
    return seconds


def stat_object(clients: S3Clients, target: RemotePath) -> dict[str, Any]:
    with s3_errors(str(target)):
        head = clients.get(target.alias).head_object(Bucket=target.bucket, Key=target.key)
    return {
        "path": str(target),
        "size": head["ContentLength"],
        "etag": str(head.get("ETag", "")).strip('"'),
        "content_type": head.get("ContentType", ""),
        "last_modified": head["LastModified"].isoformat(),
        "storage_class": head.get("StorageClass", "STANDARD"),
        "metadata": head.get("Metadata", {}),
    }


def stat_bucket(clients: S3Clients, target: RemotePath) -> dict[str, Any]:
    client = clients.get(target.alias)
    with s3_errors(str(target)):
        head = client.head_bucket(Bucket=target.bucket)
        location = client.get_bucket_location(Bucket=target.bucket).get("LocationConstraint")
    headers = head.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return {
        "path": str(target),
        "type": "bucket",
        "region": location or headers.get("x-amz-bucket-region", ""),
    }
