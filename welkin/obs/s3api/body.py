"""The body of an upload as plain bytes: aws-chunked decoded, length and hash checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.requests import Request

from welkin.core import errors as core
from welkin.iam.signatures import VerifiedSignature
from welkin.obs.checksums import ChecksumAlgorithm
from welkin.obs.chunked import AwsChunkedDecoder, ChunkedMode
from welkin.obs.s3api.payload import PayloadCheck
from welkin.obs.s3api.request import raw_stream

_HEX_CHARS = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class PreparedBody:
    stream: AsyncIterator[bytes]
    trailer_checksum: Callable[[], str | None]
    # None when the body carries no hash to check, or checks itself (aws-chunked).
    payload_check: PayloadCheck | None = None


def _none() -> str | None:
    return None


def prepare_body(
    request: Request, headers: dict[str, str], signature: VerifiedSignature | None
) -> PreparedBody:
    declared = headers.get("x-amz-content-sha256", "")
    length = headers.get("content-length")
    if length is not None and not (length.isascii() and length.isdigit()):
        raise core.InvalidArgument(f"Content-Length {length!r} is not a byte count")
    raw = raw_stream(request)
    if declared.startswith("STREAMING-"):
        try:
            mode = ChunkedMode(declared)
        except ValueError:
            raise core.InvalidArgument(f"x-amz-content-sha256 {declared!r} is not a streaming mode") from None
        decoded = headers.get("x-amz-decoded-content-length")
        if decoded is not None and not (decoded.isascii() and decoded.isdigit()):
            raise core.InvalidArgument("x-amz-decoded-content-length must be a byte count")
        trailer_name = headers.get("x-amz-trailer", "").strip()
        trailer = ChecksumAlgorithm.from_header_name(trailer_name) if trailer_name else None
        decoder = AwsChunkedDecoder(
            mode,
            decoded_length=int(decoded) if decoded is not None else None,
            trailer=trailer,
            signature=signature if mode.signed else None,
        )
        return PreparedBody(decoder.decode(raw), lambda: decoder.checksum_value)
    if len(declared) == 64 and _HEX_CHARS.issuperset(declared):
        return PreparedBody(raw, _none, PayloadCheck(declared.lower()))
    return PreparedBody(raw, _none)
