"""The additional checksums S3 accepts beside Content-MD5 (``x-amz-checksum-*``).

A checksum travels as the base64 of its big-endian digest, in a header or an aws-chunked
trailer named after the algorithm: ``x-amz-checksum-crc32: NhCmhg==``. CRC32 and CRC32C
come from C code (zlib, ``crc32c``), the SHAs from hashlib; CRC64/NVME has no C
implementation among our dependencies and runs table-driven in Python, at a few MB/s.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import zlib

import crc32c

from welkin.obs.errors import InvalidRequest

_HEADER_PREFIX = "x-amz-checksum-"
_DIGEST_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}


class ChecksumAlgorithm(enum.Enum):
    CRC32 = "CRC32"
    CRC32C = "CRC32C"
    CRC64NVME = "CRC64NVME"
    SHA1 = "SHA1"
    SHA256 = "SHA256"

    @property
    def header_name(self) -> str:
        return _HEADER_PREFIX + self.value.lower()

    @property
    def digest_size(self) -> int:
        return _DIGEST_SIZES[self.value]

    @classmethod
    def from_header_name(cls, name: str) -> ChecksumAlgorithm:
        """The algorithm named by a header such as ``x-amz-checksum-crc32`` (any case)."""
        lowered = name.strip().lower()
        if lowered.startswith(_HEADER_PREFIX):
            suffix = lowered.removeprefix(_HEADER_PREFIX).upper()
            if suffix in _DIGEST_SIZES:
                return cls(suffix)
        raise InvalidRequest(f"{name!r} does not name a supported checksum")


def validate_value(algorithm: ChecksumAlgorithm, value: str) -> None:
    """Refuse a checksum value that is not the base64 of a digest of the right size."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) != algorithm.digest_size:
        raise InvalidRequest(f"value for {algorithm.header_name} header is invalid")


def _crc64_nvme_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x9A6C9329AC4BC9B5 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC64_TABLE = _crc64_nvme_table()


class _Crc64Nvme:
    """CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, all-ones init and final xor."""

    _MASK = 0xFFFFFFFFFFFFFFFF

    def __init__(self) -> None:
        self._crc = self._MASK

    def update(self, data: bytes | bytearray | memoryview) -> None:
        table, crc = _CRC64_TABLE, self._crc
        for byte in bytes(data):
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self._crc = crc

    def digest(self) -> bytes:
        return (self._crc ^ self._MASK).to_bytes(8, "big")


class Checksum:
    """Incremental hasher for one algorithm; ``value()`` is what S3 puts on the wire."""

    def __init__(self, algorithm: ChecksumAlgorithm) -> None:
        self.algorithm = algorithm
        self._crc = 0
        self._other: _Crc64Nvme | hashlib._Hash | None = None
        if algorithm is ChecksumAlgorithm.CRC64NVME:
            self._other = _Crc64Nvme()
        elif algorithm is ChecksumAlgorithm.SHA1:
            self._other = hashlib.sha1()  # noqa: S324 - a client-chosen integrity check, not security
        elif algorithm is ChecksumAlgorithm.SHA256:
            self._other = hashlib.sha256()

    def update(self, data: bytes | bytearray | memoryview) -> None:
        if self.algorithm is ChecksumAlgorithm.CRC32:
            self._crc = zlib.crc32(data, self._crc)
        elif self.algorithm is ChecksumAlgorithm.CRC32C:
            self._crc = crc32c.crc32c(data, self._crc)
        elif self._other is not None:
            self._other.update(data)

    def digest(self) -> bytes:
        if self._other is not None:
            return self._other.digest()
        return self._crc.to_bytes(4, "big")

    def value(self) -> str:
        return base64.b64encode(self.digest()).decode("ascii")
