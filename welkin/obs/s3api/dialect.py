"""The two header dialects of one protocol: S3's ``x-amz-*`` and Huawei OBS's ``x-obs-*``.

OBS speaks the S3 wire protocol with its own header prefix. A client signing in the OBS
scheme (``Authorization: OBS ...`` or an ``AccessKeyId`` presigned URL) sends ``x-obs-*``
and reads only ``x-obs-*`` back, so the edge reads requests through one mapping (an
``x-obs-`` header stands for its ``x-amz-`` twin unless the twin is also present) and
renames response headers once, after the handler, instead of every handler knowing both.
The OBS SDK also probes ``HEAD /[bucket]?apiversion`` without credentials before it
chooses a scheme; ``x-obs-api: 3.0`` in the answer is what makes it pick OBS.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from starlette.responses import Response

AMZ = "x-amz-"
OBS = "x-obs-"
API_VERSION = "3.0"


class Dialect(enum.Enum):
    S3 = "s3"
    OBS = "obs"

    @classmethod
    def of(cls, headers: Mapping[str, str], query: Mapping[str, str]) -> Dialect:
        """Chosen by how the request is signed; unsigned requests get S3's names."""
        scheme = headers.get("authorization", "").lstrip().partition(" ")[0]
        if scheme == "OBS" or ("AccessKeyId" in query and "Signature" in query):
            return cls.OBS
        return cls.S3


def is_api_version_probe(method: str, query: Mapping[str, str]) -> bool:
    return method == "HEAD" and "apiversion" in query


def api_version_response() -> Response:
    # Answered for any bucket, existing or not, and to anyone: it says which protocol
    # version the endpoint speaks and nothing about the bucket.
    return Response(status_code=200, headers={"x-obs-api": API_VERSION})


def as_s3_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-cased request headers with each ``x-obs-*`` also under its ``x-amz-*`` name."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name, value in list(lowered.items()):
        if name.startswith(OBS):
            lowered.setdefault(AMZ + name[len(OBS) :], value)
    return lowered


def rename_response_headers(response: Response, dialect: Dialect) -> None:
    """Give ``x-amz-*`` response headers their OBS names when the client speaks OBS."""
    if dialect is not Dialect.OBS:
        return
    raw = response.raw_headers
    for index, (name, value) in enumerate(raw):
        if name.lower().startswith(AMZ.encode()):
            raw[index] = (OBS.encode() + name[len(AMZ) :], value)
