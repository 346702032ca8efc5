"""The logs of recent invocations, per function, bounded, retrievable by request id or time.

Kept in memory (the last ``per_function`` invocations of each function, each log cut to its
last ``max_bytes``): enough for ``welkin fn logs`` and the log tail of an API call, without a
store that grows with traffic. Logs start empty at each start of the server.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InvocationLog:
    seq: int  # increasing across the region: a follower asks for what came after one
    function_urn: str  # unqualified
    version: str
    request_id: str
    source: str
    at: datetime  # when it ended
    duration_ms: float
    status: str  # "success" | "failed"
    error_code: str
    text: str  # stdout and stderr, utf-8 with replacements
    truncated: bool


class InvocationLogs:
    def __init__(self, per_function: int = 200, max_bytes: int = 64 << 10) -> None:
        self._per_function = per_function
        self._max_bytes = max_bytes
        self._logs: dict[str, deque[InvocationLog]] = {}
        self._seq = 0

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    def add(
        self,
        function_urn: str,
        version: str,
        request_id: str,
        source: str,
        at: datetime,
        duration_ms: float,
        error_code: str,
        log: bytes,
        truncated: bool,
    ) -> InvocationLog:
        self._seq += 1
        kept = log[-self._max_bytes :]
        entry = InvocationLog(
            self._seq,
            function_urn,
            version,
            request_id,
            source,
            at,
            duration_ms,
            "failed" if error_code else "success",
            error_code,
            kept.decode("utf-8", "replace"),
            truncated or len(kept) < len(log),
        )
        self._logs.setdefault(function_urn, deque(maxlen=self._per_function)).append(entry)
        return entry

    def recent(
        self, function_urn: str, limit: int, after_seq: int = 0, request_id: str | None = None
    ) -> list[InvocationLog]:
        """Oldest first: the last ``limit`` after ``after_seq`` (of one request, when given)."""
        found = [
            e
            for e in self._logs.get(function_urn, ())
            if e.seq > after_seq and (request_id is None or e.request_id == request_id)
        ]
        return found[-limit:] if limit > 0 else []
