"""Decoding ``Content-Encoding: aws-chunked`` request bodies, as they stream in.

The body is a series of chunks, each ``hex-size[;chunk-signature=sig]\\r\\n<data>\\r\\n``, ended
by a zero-size chunk, optional trailer lines ``name:value\\r\\n`` and an empty line::

    400;chunk-signature=ad80...\\r\\n<1024 bytes>\\r\\n
    0;chunk-signature=b6c6...\\r\\n
    x-amz-checksum-crc32:NhCmhg==\\r\\n
    x-amz-trailer-signature:63bd...\\r\\n
    \\r\\n

Signed modes chain each chunk's signature from the previous one, starting at the request's
seed signature; the trailer lines are signed last, over ``name:value\\n`` lines sorted by name.
A signed chunk is held until its signature checks, so no unverified byte reaches the caller;
an unsigned one passes straight through.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from collections.abc import AsyncIterator, Mapping

from welkin.core import errors
from welkin.iam.signatures import EMPTY_SHA256, VerifiedSignature
from welkin.obs.checksums import Checksum, ChecksumAlgorithm, validate_value
from welkin.obs.chunkreader import ChunkReader
from welkin.obs.errors import BadDigest, IncompleteBody, InvalidChunkSizeError, InvalidRequest

MAX_CHUNK_SIZE = 16 * 1024 * 1024
_MAX_HEADER_LINE = 256
_MAX_TRAILER_LINE = 1024
_MAX_TRAILERS = 16
_TRAILER_SIGNATURE = "x-amz-trailer-signature"
_SIGNED_HEADER_RE = re.compile(rb"([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})")
_UNSIGNED_HEADER_RE = re.compile(rb"[0-9a-fA-F]{1,16}")
_TRAILER_RE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*")


class ChunkedMode(enum.Enum):
    """The ``x-amz-content-sha256`` values that announce an aws-chunked body."""

    SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

    @property
    def signed(self) -> bool:
        return self is not ChunkedMode.UNSIGNED_TRAILER


class AwsChunkedDecoder:
    """Decodes one aws-chunked body; ``decode`` may be iterated once.

    The trailing checksum and length can only be judged at the end, after every byte has
    been yielded: the caller must discard what it stored when ``decode`` raises.

    ``decoded_length`` is ``x-amz-decoded-content-length`` when sent, ``trailer`` the checksum
    ``x-amz-trailer`` declares, ``signature`` what verifying the request's seed signature gave
    (required by the signed modes).
    """

    def __init__(
        self,
        mode: ChunkedMode,
        *,
        decoded_length: int | None,
        trailer: ChecksumAlgorithm | None,
        signature: VerifiedSignature | None,
    ) -> None:
        if mode.signed and (signature is None or signature.signing_key is None or signature.scope is None):
            raise InvalidRequest(f"{mode.value} needs an AWS Signature Version 4 seed signature")
        if decoded_length is not None and decoded_length < 0:
            raise InvalidRequest("x-amz-decoded-content-length must not be negative")
        self.mode = mode
        self._decoded_length = decoded_length
        self._trailer = trailer
        # The signed modes' chain: key, timestamp and scope stay; the previous signature moves on.
        self._key, self._timestamp, self._scope, self._previous = b"", "", "", ""
        if signature is not None:
            self._timestamp, self._previous = signature.timestamp, signature.signature
            self._key, self._scope = signature.signing_key or b"", signature.scope or ""
        self._checksum = Checksum(trailer) if trailer is not None else None
        self._trailers: dict[str, str] = {}
        self._checksum_value: str | None = None
        self._received = 0

    @property
    def trailers(self) -> Mapping[str, str]:
        """The trailer lines read, lower-cased names, without the trailer signature."""
        return dict(self._trailers)

    @property
    def checksum_value(self) -> str | None:
        """The declared trailing checksum, once the whole body has matched it."""
        return self._checksum_value

    @property
    def decoded_size(self) -> int:
        return self._received

    async def decode(self, raw: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        reader = ChunkReader(raw)
        while True:
            size, signature = self._chunk_header(await reader.line(_MAX_HEADER_LINE))
            self._count(size)
            if size == 0:
                self._verify_chunk(signature, hashlib.sha256())
                break
            if self.mode.signed:
                # Held back until the signature holds: at most one chunk in memory.
                digest = hashlib.sha256()
                held = []
                async for piece in reader.take(size):
                    digest.update(piece)
                    held.append(piece)
                self._verify_chunk(signature, digest)
                await reader.end_of_chunk()
                for piece in held:
                    self._hash(piece)
                    yield piece
            else:
                async for piece in reader.take(size):
                    self._hash(piece)
                    yield piece
                await reader.end_of_chunk()
        await self._read_trailers(reader)
        await reader.end_of_body()
        if self._decoded_length is not None and self._received != self._decoded_length:
            raise IncompleteBody(
                f"the body decoded to {self._received} bytes, not the {self._decoded_length} declared"
            )
        self._check_trailing_checksum()

    def _chunk_header(self, line: bytes) -> tuple[int, str]:
        match = (_SIGNED_HEADER_RE if self.mode.signed else _UNSIGNED_HEADER_RE).fullmatch(line)
        if match is None:
            raise InvalidRequest(f"malformed aws-chunked chunk header {line[:80]!r}")
        size = int(match.group(1 if self.mode.signed else 0), 16)
        if size > MAX_CHUNK_SIZE:
            raise InvalidChunkSizeError(f"a chunk may hold at most {MAX_CHUNK_SIZE} bytes, not {size}")
        return size, match.group(2).decode("ascii") if self.mode.signed else ""

    def _count(self, size: int) -> None:
        self._received += size
        if self._decoded_length is not None and self._received > self._decoded_length:
            raise IncompleteBody(f"the body holds more than the {self._decoded_length} bytes declared")

    def _hash(self, piece: bytes) -> None:
        if self._checksum is not None:
            self._checksum.update(piece)

    def _sign(self, kind: str, payload_hash: str) -> str:
        to_sign = f"{kind}\n{self._timestamp}\n{self._scope}\n{self._previous}\n{payload_hash}"
        return hmac.new(self._key, to_sign.encode(), hashlib.sha256).hexdigest()

    def _verify_chunk(self, signature: str, digest: hashlib._Hash) -> None:
        if not self.mode.signed:
            return
        expected = self._sign("AWS4-HMAC-SHA256-PAYLOAD", f"{EMPTY_SHA256}\n{digest.hexdigest()}")
        if not hmac.compare_digest(expected, signature):
            raise errors.SignatureDoesNotMatch("a chunk signature does not match the one computed for it")
        self._previous = signature

    async def _read_trailers(self, reader: ChunkReader) -> None:
        signature: str | None = None
        for _ in range(_MAX_TRAILERS + 1):
            line = await reader.line(_MAX_TRAILER_LINE)
            if not line:
                break
            if signature is not None:
                raise InvalidRequest("nothing may follow the trailer signature")
            match = _TRAILER_RE.fullmatch(line)
            if match is None:
                raise InvalidRequest(f"malformed aws-chunked trailer {line[:80]!r}")
            name, value = match.group(1).decode("ascii").lower(), match.group(2).decode("latin-1")
            if name == _TRAILER_SIGNATURE and self.mode is ChunkedMode.SIGNED_TRAILER:
                signature = value
                continue
            if self._trailer is None or name != self._trailer.header_name or name in self._trailers:
                raise InvalidRequest(f"trailer {name} was not declared in x-amz-trailer")
            self._trailers[name] = value
        else:
            raise InvalidRequest(f"an aws-chunked body may carry at most {_MAX_TRAILERS} trailers")
        if self.mode is ChunkedMode.SIGNED_TRAILER:
            self._verify_trailer_signature(signature)

    def _verify_trailer_signature(self, signature: str | None) -> None:
        if signature is None:
            raise errors.SignatureDoesNotMatch("the trailer signature is missing")
        canonical = "".join(f"{name}:{value}\n" for name, value in sorted(self._trailers.items()))
        trailer_hash = hashlib.sha256(canonical.encode("latin-1")).hexdigest()
        expected = self._sign("AWS4-HMAC-SHA256-TRAILER", trailer_hash)
        if not hmac.compare_digest(expected, signature):
            raise errors.SignatureDoesNotMatch("the trailer signature does not match the one computed for it")
        self._previous = signature

    def _check_trailing_checksum(self) -> None:
        if self._trailer is None or self._checksum is None:
            return
        declared = self._trailers.get(self._trailer.header_name)
        if declared is None:
            raise InvalidRequest(f"the body lacks the {self._trailer.header_name} trailer it declared")
        validate_value(self._trailer, declared)
        if declared != self._checksum.value():
            raise BadDigest(f"the {self._trailer.value} you specified did not match the calculated checksum")
        self._checksum_value = declared
