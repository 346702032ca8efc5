"""HTTP preconditions on objects (RFC 9110 section 13, as S3 applies them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from welkin.obs import errors
from welkin.obs.models import ObjectVersion


@dataclass(frozen=True)
class Preconditions:
    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: datetime | None = None
    if_unmodified_since: datetime | None = None

    def __bool__(self) -> bool:
        return any(
            v is not None
            for v in (self.if_match, self.if_none_match, self.if_modified_since, self.if_unmodified_since)
        )


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()]


def _matches(header: str, obj: ObjectVersion) -> bool:
    tags = _etags(header)
    return "*" in tags or obj.etag in tags


def _modified_after(obj: ObjectVersion, when: datetime) -> bool:
    # HTTP dates have whole seconds; compare at that precision.
    return obj.last_modified.replace(microsecond=0) > when


def check_read(obj: ObjectVersion, cond: Preconditions) -> None:
    """For GET and HEAD: 412 PreconditionFailed or 304 NotModified, as S3 decides.

    If-Match that holds makes a failing If-Unmodified-Since irrelevant, and If-None-Match
    that fails makes If-Modified-Since irrelevant (S3's documented precedence).
    """
    if cond.if_match is not None:
        if not _matches(cond.if_match, obj):
            raise errors.PreconditionFailed("At least one of the pre-conditions you specified did not hold")
    elif cond.if_unmodified_since is not None and _modified_after(obj, cond.if_unmodified_since):
        raise errors.PreconditionFailed("At least one of the pre-conditions you specified did not hold")
    if cond.if_none_match is not None:
        if _matches(cond.if_none_match, obj):
            raise errors.NotModified("Not Modified")
    elif cond.if_modified_since is not None and not _modified_after(obj, cond.if_modified_since):
        raise errors.NotModified("Not Modified")


def check_copy_source(obj: ObjectVersion, cond: Preconditions) -> None:
    """x-amz-copy-source-if-*: the same tests, every failure a 412."""
    try:
        check_read(obj, cond)
    except errors.NotModified:
        raise errors.PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold"
        ) from None


def check_write(current: ObjectVersion | None, cond: Preconditions) -> None:
    """Conditional PUT: If-None-Match: * (create only) and If-Match (replace that version)."""
    live = current if current is not None and not current.delete_marker else None
    if cond.if_none_match is not None:
        if cond.if_none_match.strip() != "*":
            raise errors.NotImplementedByWelkin("If-None-Match on a write accepts only '*'")
        if live is not None:
            raise errors.PreconditionFailed("At least one of the pre-conditions you specified did not hold")
    if cond.if_match is not None:
        if live is None:
            raise errors.NoSuchKey("The specified key does not exist.")
        if not _matches(cond.if_match, live):
            raise errors.PreconditionFailed("At least one of the pre-conditions you specified did not hold")
