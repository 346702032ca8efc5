"""Asynchronous invocation's domain values: a queued invocation and a function's async settings."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime

from welkin.core import errors

DEFAULT_RETRIES = 3  # FunctionGraph's default: up to 3 retries after the first attempt
DEFAULT_MAX_AGE_S = 86400
MIN_MAX_AGE_S = 60
# What FunctionGraph answers for an invocation stopped by CancelAsyncInvocation.
CANCELLED_CODE = 4208
CANCELLED_MESSAGE = "function invocation canceled"


class AsyncStatus(enum.Enum):
    WAIT = "WAIT"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    DISCARD = "DISCARD"  # older than max_async_event_age_in_seconds before it could run


class DestinationKind(enum.Enum):
    FUNCTIONGRAPH = "FunctionGraph"
    OBS = "OBS"


@dataclass(frozen=True)
class Destination:
    """Where the record of a finished invocation goes. ``param`` is FunctionGraph's JSON text:
    ``{"func_urn": ...}`` for a function, ``{"bucket": ..., "prefix": ...}`` for OBS."""

    kind: DestinationKind
    param: str

    @classmethod
    def parse(cls, destination: str, param: str, which: str) -> Destination:
        try:
            kind = DestinationKind(destination)
        except ValueError:
            served = ", ".join(k.value for k in DestinationKind)
            raise errors.InvalidArgument(f"{which}.destination must be one of {served}.") from None
        try:
            values = json.loads(param or "{}")
        except ValueError:
            raise errors.InvalidArgument(f"{which}.param must be a JSON object.") from None
        if not isinstance(values, dict):
            raise errors.InvalidArgument(f"{which}.param must be a JSON object.")
        needed = "func_urn" if kind is DestinationKind.FUNCTIONGRAPH else "bucket"
        if not isinstance(values.get(needed), str) or not values[needed]:
            raise errors.InvalidArgument(f"{which}.param needs {needed!r} for a {kind.value} destination.")
        return cls(kind, json.dumps(values, separators=(",", ":")))

    def value(self, key: str) -> str:
        found = json.loads(self.param).get(key, "")
        return str(found) if found is not None else ""


@dataclass(frozen=True)
class AsyncConfig:
    max_retry_attempts: int = DEFAULT_RETRIES
    max_event_age_s: int = DEFAULT_MAX_AGE_S
    on_success: Destination | None = None
    on_failure: Destination | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.max_retry_attempts <= 8:
            raise errors.InvalidArgument("max_async_retry_attempts must be between 0 and 8.")
        if not MIN_MAX_AGE_S <= self.max_event_age_s <= DEFAULT_MAX_AGE_S:
            raise errors.InvalidArgument(
                f"max_async_event_age_in_seconds must be between {MIN_MAX_AGE_S} and {DEFAULT_MAX_AGE_S}."
            )


@dataclass(frozen=True)
class AsyncInvocation:
    request_id: str
    account_id: str
    project_id: str
    package: str
    name: str
    qualifier: str  # "" when unqualified
    source: str
    event: bytes
    status: AsyncStatus
    attempts: int
    next_at: datetime
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    error_code: int
    error_message: str
