"""Copies for ``cp``, ``mv`` and ``sync``: first a plan (what goes where), then the transfers.

Local to remote and back go through boto3's S3Transfer, which switches to multipart above
the threshold; remote to remote is a server-side copy within one alias, and a stream from
one to the other across aliases.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from boto3.s3.transfer import S3Transfer, TransferConfig

from welkin.cli.obs_listing import Entry, delete_keys, entries
from welkin.cli.obs_paths import LocalPath, ObsPath, PathError, RemotePath
from welkin.cli.obs_progress import TransferProgress
from welkin.cli.obs_session import S3Clients, s3_errors
from welkin.cli.output import NotFoundByName

MIB = 1024 * 1024
DEFAULT_THRESHOLD = 8 * MIB
# A later mtime on the source than this much past the copy's means the source changed.
_MTIME_SLACK = 1.0


@dataclass(frozen=True)
class Transfer:
    source: ObsPath
    destination: ObsPath
    size: int
    mtime: float

    def row(self, action: str) -> dict[str, Any]:
        return {
            "action": action,
            "source": str(self.source),
            "destination": str(self.destination),
            "size": self.size,
        }


@dataclass(frozen=True)
class SyncPlan:
    copies: list[Transfer]
    deletions: list[ObsPath]


def _below(root: ObsPath, relative: str) -> ObsPath:
    if isinstance(root, LocalPath):
        return LocalPath(root.path / relative)
    return root.child(relative)


def _check_sides(source: ObsPath, destination: ObsPath) -> None:
    if isinstance(source, LocalPath) and isinstance(destination, LocalPath):
        raise PathError("both paths are local: one of them must be ALIAS/BUCKET[/KEY] (see --help)")
    for side in (source, destination):
        if isinstance(side, RemotePath) and not side.bucket:
            raise PathError(f"{side} names no bucket: write ALIAS/BUCKET[/KEY]")


def _single_source(clients: S3Clients, source: ObsPath) -> Entry:
    if isinstance(source, LocalPath):
        if source.path.is_dir():
            raise PathError(f"{source} is a directory: add -r to copy what it holds")
        if not source.path.is_file():
            raise NotFoundByName(f"no such file: {source}")
        info = source.path.stat()
        return Entry(source.path.name, info.st_size, info.st_mtime)
    if source.is_prefix:
        raise PathError(f"{source} names no object: add -r to copy what is below it")
    with s3_errors(str(source)):
        head = clients.get(source.alias).head_object(Bucket=source.bucket, Key=source.key)
    return Entry(source.key.rsplit("/", 1)[-1], int(head["ContentLength"]), head["LastModified"].timestamp())


def _single_destination(destination: ObsPath, name: str, raw: str) -> ObsPath:
    if isinstance(destination, RemotePath):
        return destination.child(name) if destination.is_prefix else destination
    if destination.path.is_dir() or raw.endswith("/"):
        return LocalPath(destination.path / name)
    return destination


def plan_copy(
    clients: S3Clients, source: ObsPath, destination: ObsPath, raw_destination: str, recursive: bool
) -> list[Transfer]:
    """What ``cp`` copies; with ``recursive`` the source's contents go below the destination."""
    _check_sides(source, destination)
    if not recursive:
        entry = _single_source(clients, source)
        target = _single_destination(destination, entry.relative, raw_destination)
        return [Transfer(source, target, entry.size, entry.mtime)]
    if isinstance(source, LocalPath) and not source.path.is_dir():
        raise NotFoundByName(f"no such directory: {source}")
    found = entries(clients, source)
    return [
        Transfer(_below(source, e.relative), _below(destination, e.relative), e.size, e.mtime)
        for e in sorted(found.values(), key=lambda e: e.relative)
    ]


def plan_sync(clients: S3Clients, source: ObsPath, destination: ObsPath, delete: bool) -> SyncPlan:
    """Copy what is missing at the destination or differs in size or is newer at the source."""
    _check_sides(source, destination)
    if isinstance(source, LocalPath) and not source.path.is_dir():
        raise NotFoundByName(f"no such directory: {source}")
    have = entries(clients, source)
    there = entries(clients, destination)
    copies = [
        Transfer(_below(source, e.relative), _below(destination, e.relative), e.size, e.mtime)
        for e in sorted(have.values(), key=lambda e: e.relative)
        if e.relative not in there
        or there[e.relative].size != e.size
        or e.mtime > there[e.relative].mtime + _MTIME_SLACK
    ]
    gone = sorted(set(there) - set(have)) if delete else []
    return SyncPlan(copies, [_below(destination, relative) for relative in gone])


class Transferer:
    """Carries out transfers with one TransferConfig, reporting bytes to the progress bar."""

    def __init__(self, clients: S3Clients, progress: TransferProgress, threshold: int = DEFAULT_THRESHOLD):
        self._clients = clients
        self._progress = progress
        self._config = TransferConfig(multipart_threshold=threshold, multipart_chunksize=threshold)

    def copy(self, job: Transfer) -> None:
        source, destination = job.source, job.destination
        callback = self._progress.track(str(destination), job.size)
        if isinstance(source, LocalPath) and isinstance(destination, RemotePath):
            client = self._clients.get(destination.alias)
            with s3_errors(str(destination)):
                S3Transfer(client, self._config).upload_file(
                    str(source.path), destination.bucket, destination.key, callback=callback
                )
        elif isinstance(source, RemotePath) and isinstance(destination, LocalPath):
            destination.path.parent.mkdir(parents=True, exist_ok=True)
            client = self._clients.get(source.alias)
            with s3_errors(str(source)):
                S3Transfer(client, self._config).download_file(
                    source.bucket, source.key, str(destination.path), callback=callback
                )
            # The object's time on the file, so that a later sync sees the two as the same.
            os.utime(destination.path, (job.mtime, job.mtime))
        elif isinstance(source, RemotePath) and isinstance(destination, RemotePath):
            self._remote_copy(source, destination, callback)
        else:
            raise PathError("both paths are local: one of them must be ALIAS/BUCKET[/KEY]")

    def _remote_copy(self, source: RemotePath, destination: RemotePath, callback: Any) -> None:
        target = self._clients.get(destination.alias)
        if source.alias == destination.alias:
            with s3_errors(str(destination)):
                target.copy(
                    {"Bucket": source.bucket, "Key": source.key},
                    destination.bucket,
                    destination.key,
                    Callback=callback,
                    Config=self._config,
                )
            return
        with s3_errors(str(source)):
            body = self._clients.get(source.alias).get_object(Bucket=source.bucket, Key=source.key)["Body"]
        with body, s3_errors(str(destination)):
            target.upload_fileobj(
                body, destination.bucket, destination.key, Callback=callback, Config=self._config
            )

    def delete(self, paths: list[ObsPath]) -> None:
        """Delete local files and remote objects (remote ones in batches per bucket)."""
        by_bucket: dict[RemotePath, list[str]] = {}
        for path in paths:
            if isinstance(path, LocalPath):
                path.path.unlink(missing_ok=True)
            else:
                by_bucket.setdefault(RemotePath(path.alias, path.bucket), []).append(path.key)
        for bucket, keys in by_bucket.items():
            delete_keys(self._clients, bucket, keys)
