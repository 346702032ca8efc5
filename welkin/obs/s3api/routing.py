"""Which handler serves a request: one per S3 operation, chosen by method, target and
the sub-resource the query names (``?tagging``, ``?uploads``, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from starlette.responses import Response

from welkin.core import errors as core
from welkin.obs import errors
from welkin.obs.s3api.request import S3Request

Target = Literal["service", "bucket", "object"]
Handler = Callable[[S3Request], Awaitable[Response]]

# Sub-resources Welkin serves, in the order a query is checked for them.
SUBRESOURCES = (
    "uploadId",
    "uploads",
    "versioning",
    "versions",
    "tagging",
    "cors",
    "policy",
    "acl",
    "lifecycle",
    "notification",
    "location",
    "delete",
)
# Sub-resources S3 has and Welkin does not: refused plainly instead of served wrongly.
UNSUPPORTED = frozenset(
    {
        "accelerate",
        "analytics",
        "attributes",
        "encryption",
        "intelligent-tiering",
        "inventory",
        "legal-hold",
        "logging",
        "metrics",
        "object-lock",
        "ownershipControls",
        "policyStatus",
        "publicAccessBlock",
        "replication",
        "requestPayment",
        "restore",
        "retention",
        "select",
        "torrent",
        "website",
    }
)


class Routes:
    def __init__(self) -> None:
        self._table: dict[tuple[str, Target, str], tuple[str, Handler]] = {}

    def add(self, method: str, target: Target, subresource: str, operation: str, handler: Handler) -> None:
        self._table[(method, target, subresource)] = (operation, handler)

    def find(
        self, method: str, target: Target, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[str, Handler]:
        unsupported = sorted(UNSUPPORTED.intersection(query))
        if unsupported:
            raise errors.NotImplementedByWelkin(
                f"Welkin does not implement the ?{unsupported[0]} sub-resource"
            )
        sub = next((name for name in SUBRESOURCES if name in query), "")
        if method == "PUT" and sub == "uploadId" and "x-amz-copy-source" in headers:
            sub = "uploadId+copy"
        elif method == "PUT" and sub == "" and target == "object" and "x-amz-copy-source" in headers:
            sub = "copy"
        found = self._table.get((method, target, sub))
        if found is None:
            found = self._table.get((method, target, "*"))
        if found is None:
            raise core.MethodNotAllowed(
                f"{method} is not allowed on this {target}" + (f" with ?{sub}" if sub else "")
            )
        return found
