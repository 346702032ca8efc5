"""What lies below a path, local or remote, as relative names with sizes and mtimes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from welkin.cli.client import ApiError
from welkin.cli.obs_paths import LocalPath, ObsPath, RemotePath, safe_relative
from welkin.cli.obs_session import S3Clients, s3_errors

_DELETE_BATCH = 1000  # the most keys one DeleteObjects request may carry


@dataclass(frozen=True)
class Entry:
    """One file or object below a directory or prefix."""

    relative: str
    size: int
    mtime: float


def local_entries(root: Path) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            info = path.stat()
            relative = path.relative_to(root).as_posix()
            found[relative] = Entry(relative, info.st_size, info.st_mtime)
    return found


def objects(clients: S3Clients, bucket: RemotePath, prefix: str, delimiter: str = "") -> Iterator[Any]:
    """ListObjectsV2 pages below ``prefix``, page by page."""
    pages = clients.get(bucket.alias).get_paginator("list_objects_v2")
    args = {"Bucket": bucket.bucket, "Prefix": prefix}
    if delimiter:
        args["Delimiter"] = delimiter
    with s3_errors(f"{bucket.alias}/{bucket.bucket}"):
        yield from pages.paginate(**args)


def remote_entries(clients: S3Clients, root: RemotePath) -> dict[str, Entry]:
    """Objects below ``root`` taken as a directory; "directory marker" keys ending in / are left out."""
    prefix = root.dir_prefix()
    found: dict[str, Entry] = {}
    for page in objects(clients, root, prefix):
        for item in page.get("Contents", []):
            key = str(item["Key"])
            if key.endswith("/"):
                continue
            relative = safe_relative(key, prefix)
            found[relative] = Entry(relative, int(item["Size"]), item["LastModified"].timestamp())
    return found


def entries(clients: S3Clients, root: ObsPath) -> dict[str, Entry]:
    if isinstance(root, LocalPath):
        return local_entries(root.path) if root.path.is_dir() else {}
    return remote_entries(clients, root)


def delete_keys(clients: S3Clients, bucket: RemotePath, keys: list[str]) -> None:
    """Delete ``keys`` from ``bucket`` in batches; the first key the server refuses is an error."""
    client = clients.get(bucket.alias)
    for start in range(0, len(keys), _DELETE_BATCH):
        batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
        with s3_errors(f"{bucket.alias}/{bucket.bucket}"):
            answer = client.delete_objects(Bucket=bucket.bucket, Delete={"Objects": batch, "Quiet": True})
        for error in answer.get("Errors", []):
            raise ApiError(403, f"{error.get('Key')}: {error.get('Message')}", str(error.get("Code", "")))


def all_keys(clients: S3Clients, root: RemotePath, prefix: str) -> list[str]:
    """Every key below ``prefix``, directory markers included (for deletes)."""
    return [str(item["Key"]) for page in objects(clients, root, prefix) for item in page.get("Contents", [])]


def delete_tree(clients: S3Clients, root: RemotePath) -> list[str]:
    """Delete every object below ``root`` (a prefix), or in the whole bucket when it has no key."""
    keys = all_keys(clients, root, root.dir_prefix())
    delete_keys(clients, RemotePath(root.alias, root.bucket), keys)
    return keys
