import hashlib
import hmac
import io
import random
from collections.abc import AsyncIterator

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum, Sha256Checksum

from welkin.core import errors
from welkin.iam.signatures import EMPTY_SHA256, VerifiedSignature
from welkin.obs.checksums import Checksum, ChecksumAlgorithm
from welkin.obs.chunked import MAX_CHUNK_SIZE, AwsChunkedDecoder, ChunkedMode
from welkin.obs.errors import BadDigest, IncompleteBody, InvalidChunkSizeError, InvalidRequest

# The AWS SigV4 streaming examples: their credentials, time and scope.
TIMESTAMP = "20130524T000000Z"
SCOPE = "20130524/us-east-1/s3/aws4_request"


def _signing_key() -> bytes:
    key = b"AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    for part in SCOPE.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


KEY = _signing_key()


def seed(signature: str) -> VerifiedSignature:
    return VerifiedSignature(signature, TIMESTAMP, SCOPE, KEY)


def _sign(kind: str, previous: str, payload_hash: str) -> str:
    to_sign = f"{kind}\n{TIMESTAMP}\n{SCOPE}\n{previous}\n{payload_hash}"
    return hmac.new(KEY, to_sign.encode(), hashlib.sha256).hexdigest()


def signed_body(data: bytes, chunk_size: int, seed_signature: str, trailers: dict[str, str] | None) -> bytes:
    """Frames ``data`` as the AWS SigV4 streaming examples do (checked against them below)."""
    out, previous = bytearray(), seed_signature
    for start in [*range(0, len(data), chunk_size), len(data)]:
        chunk = data[start : start + chunk_size]
        previous = _sign(
            "AWS4-HMAC-SHA256-PAYLOAD", previous, f"{EMPTY_SHA256}\n{hashlib.sha256(chunk).hexdigest()}"
        )
        out += b"%x;chunk-signature=%s\r\n" % (len(chunk), previous.encode())
        if chunk:
            out += chunk + b"\r\n"
    if trailers is not None:
        canonical = "".join(f"{name}:{value}\n" for name, value in sorted(trailers.items()))
        signature = _sign(
            "AWS4-HMAC-SHA256-TRAILER", previous, hashlib.sha256(canonical.encode()).hexdigest()
        )
        out += "".join(f"{name}:{value}\r\n" for name, value in trailers.items()).encode()
        out += f"x-amz-trailer-signature:{signature}\r\n".encode()
    return bytes(out + b"\r\n")


def botocore_body(
    data: bytes, checksum_cls: type | None = Crc32Checksum, name: str = "x-amz-checksum-crc32"
) -> bytes:
    """The exact bytes botocore sends for a STREAMING-UNSIGNED-PAYLOAD-TRAILER upload."""
    return AwsChunkedWrapper(io.BytesIO(data), checksum_cls=checksum_cls, checksum_name=name).read()


async def pieces(body: bytes, seed_value: int = 0, largest: int = 70_000) -> AsyncIterator[bytes]:
    rng = random.Random(seed_value)  # noqa: S311 - reproducible split points
    start = 0
    while start < len(body):
        size = rng.choice((0, 1, 2, rng.randint(1, largest)))
        yield body[start : start + size]
        start += size


async def decode(
    decoder: AwsChunkedDecoder, raw: AsyncIterator[bytes], into: bytearray | None = None
) -> bytes:
    received = bytearray() if into is None else into
    async for piece in decoder.decode(raw):
        received += piece
    return bytes(received)


def unsigned(
    decoded_length: int | None, trailer: ChecksumAlgorithm | None = ChecksumAlgorithm.CRC32
) -> AwsChunkedDecoder:
    return AwsChunkedDecoder(
        ChunkedMode.UNSIGNED_TRAILER, decoded_length=decoded_length, trailer=trailer, signature=None
    )


DOC_DATA = b"a" * 66560
DOC_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
DOC_TRAILER_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"


async def test_aws_signed_streaming_example() -> None:
    body = (
        b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
        + b"a" * 65536
        + b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
        + b"a" * 1024
        + b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
    )
    assert body == signed_body(DOC_DATA, 65536, DOC_SEED, None)
    decoder = AwsChunkedDecoder(
        ChunkedMode.SIGNED, decoded_length=66560, trailer=None, signature=seed(DOC_SEED)
    )
    assert await decode(decoder, pieces(body)) == DOC_DATA
    assert decoder.trailers == {}
    assert decoder.checksum_value is None


async def test_aws_signed_trailer_example() -> None:
    body = (
        b"10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n"
        + b"a" * 65536
        + b"\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n"
        + b"a" * 1024
        + b"\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"
        + b"x-amz-checksum-crc32c:sOO8/Q==\r\n"
        + b"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n"
    )
    assert body == signed_body(DOC_DATA, 65536, DOC_TRAILER_SEED, {"x-amz-checksum-crc32c": "sOO8/Q=="})
    decoder = AwsChunkedDecoder(
        ChunkedMode.SIGNED_TRAILER,
        decoded_length=66560,
        trailer=ChecksumAlgorithm.CRC32C,
        signature=seed(DOC_TRAILER_SEED),
    )
    assert await decode(decoder, pieces(body, 3, largest=500)) == DOC_DATA
    assert decoder.trailers == {"x-amz-checksum-crc32c": "sOO8/Q=="}
    assert decoder.checksum_value == "sOO8/Q=="


@pytest.mark.parametrize("size", [0, 1, 8191, 1024 * 1024, 3 * 1024 * 1024 + 17])
async def test_botocore_unsigned_trailer_bodies(size: int) -> None:
    data = random.Random(size).randbytes(size)  # noqa: S311
    body = botocore_body(data)
    decoder = unsigned(size)
    assert await decode(decoder, pieces(body, size, largest=300_000)) == data
    expected = Crc32Checksum()
    expected.update(data)
    assert decoder.checksum_value == expected.b64digest()
    assert decoder.trailers == {"x-amz-checksum-crc32": expected.b64digest()}
    assert decoder.decoded_size == size


async def test_one_byte_pieces() -> None:
    data = b"hello, chunked world" * 50
    body = botocore_body(data, Sha256Checksum, "x-amz-checksum-sha256")

    async def bytewise() -> AsyncIterator[bytes]:
        for index in range(len(body)):
            yield body[index : index + 1]

    decoder = unsigned(None, ChecksumAlgorithm.SHA256)
    assert await decode(decoder, bytewise()) == data
    assert decoder.checksum_value == Sha256Checksum().handle(data)


async def test_botocore_body_without_checksum() -> None:
    body = botocore_body(b"xyz" * 1000, checksum_cls=None)
    assert body.endswith(b"0\r\n\r\n")
    decoder = unsigned(3000, trailer=None)
    assert await decode(decoder, pieces(body)) == b"xyz" * 1000
    assert decoder.trailers == {}


@pytest.mark.parametrize("algorithm", list(ChecksumAlgorithm))
async def test_every_trailing_checksum(algorithm: ChecksumAlgorithm) -> None:
    data = random.Random(7).randbytes(20_000)  # noqa: S311
    checksum = Checksum(algorithm)
    checksum.update(data)
    trailers = {algorithm.header_name: checksum.value()}
    body = signed_body(data, 8192, DOC_TRAILER_SEED, trailers)
    decoder = AwsChunkedDecoder(
        ChunkedMode.SIGNED_TRAILER, decoded_length=None, trailer=algorithm, signature=seed(DOC_TRAILER_SEED)
    )
    assert await decode(decoder, pieces(body, 11, largest=5000)) == data
    assert decoder.checksum_value == checksum.value()


async def test_tampered_chunk_signature_yields_nothing_of_that_chunk() -> None:
    body = bytearray(signed_body(DOC_DATA, 65536, DOC_SEED, None))
    second = body.index(b"400;chunk-signature=") + len(b"400;chunk-signature=")
    body[second] ^= 1  # '0' <-> '1' keeps it hex
    decoder = AwsChunkedDecoder(
        ChunkedMode.SIGNED, decoded_length=None, trailer=None, signature=seed(DOC_SEED)
    )
    received = bytearray()
    with pytest.raises(errors.SignatureDoesNotMatch):
        await decode(decoder, pieces(bytes(body)), received)
    assert len(received) == 65536


async def test_tampered_chunk_data() -> None:
    body = signed_body(DOC_DATA, 65536, DOC_SEED, None).replace(b"a\r\n", b"b\r\n", 1)
    decoder = AwsChunkedDecoder(
        ChunkedMode.SIGNED, decoded_length=None, trailer=None, signature=seed(DOC_SEED)
    )
    with pytest.raises(errors.SignatureDoesNotMatch):
        await decode(decoder, pieces(body))


async def test_wrong_seed_signature() -> None:
    body = signed_body(DOC_DATA, 65536, DOC_SEED, None)
    decoder = AwsChunkedDecoder(
        ChunkedMode.SIGNED, decoded_length=None, trailer=None, signature=seed("0" * 64)
    )
    with pytest.raises(errors.SignatureDoesNotMatch):
        await decode(decoder, pieces(body))


def signed_trailer_decoder() -> AwsChunkedDecoder:
    return AwsChunkedDecoder(
        ChunkedMode.SIGNED_TRAILER,
        decoded_length=66560,
        trailer=ChecksumAlgorithm.CRC32C,
        signature=seed(DOC_TRAILER_SEED),
    )


DOC_TRAILERS = {"x-amz-checksum-crc32c": "sOO8/Q=="}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # A valid but different checksum: the signature must catch it before the digest does.
        (b"crc32c:sOO8/Q==", b"crc32c:AAAAAA=="),
        (b"x-amz-trailer-signature:d", b"x-amz-trailer-signature:e"),
        (b"x-amz-trailer-signature:", b"x-amz-not-a-signature:"),
    ],
)
async def test_tampered_signed_trailer(old: bytes, new: bytes) -> None:
    body = signed_body(DOC_DATA, 65536, DOC_TRAILER_SEED, DOC_TRAILERS)
    assert old in body
    with pytest.raises((errors.SignatureDoesNotMatch, InvalidRequest)):
        await decode(signed_trailer_decoder(), pieces(body.replace(old, new)))


async def test_missing_trailer_signature() -> None:
    body = signed_body(DOC_DATA, 65536, DOC_TRAILER_SEED, DOC_TRAILERS)
    body = body[: body.index(b"x-amz-trailer-signature")] + b"\r\n"
    with pytest.raises(errors.SignatureDoesNotMatch, match="missing"):
        await decode(signed_trailer_decoder(), pieces(body))


async def test_trailer_names_are_case_insensitive_and_values_trimmed() -> None:
    body = signed_body(DOC_DATA, 65536, DOC_TRAILER_SEED, DOC_TRAILERS)
    body = body.replace(b"x-amz-checksum-crc32c:", b"X-Amz-Checksum-CRC32C: ")
    decoder = signed_trailer_decoder()
    assert await decode(decoder, pieces(body)) == DOC_DATA
    assert decoder.checksum_value == "sOO8/Q=="


async def test_wrong_trailing_checksum_is_bad_digest() -> None:
    right = Crc32Checksum().handle(b"some data").encode()
    body = botocore_body(b"some data").replace(right, b"AAAAAA==")
    assert b"crc32:AAAAAA==\r\n" in body
    with pytest.raises(BadDigest):
        await decode(unsigned(9), pieces(body))


async def test_malformed_trailing_checksum() -> None:
    body = botocore_body(b"some data").replace(b"==\r\n\r\n", b"\r\n\r\n")
    with pytest.raises(InvalidRequest, match="x-amz-checksum-crc32"):
        await decode(unsigned(9), pieces(body))


async def test_declared_trailer_missing() -> None:
    body = botocore_body(b"some data", checksum_cls=None)
    with pytest.raises(InvalidRequest, match="lacks"):
        await decode(unsigned(9), pieces(body))


async def test_undeclared_trailer_refused() -> None:
    body = botocore_body(b"some data", Sha256Checksum, "x-amz-checksum-sha256")
    with pytest.raises(InvalidRequest, match="not declared"):
        await decode(unsigned(9), pieces(body))


async def test_every_truncation_is_incomplete_body() -> None:
    body = botocore_body(b"0123456789" * 3)
    for cut in range(len(body)):
        with pytest.raises(IncompleteBody):
            await decode(unsigned(None), pieces(body[:cut], cut, largest=7))


@pytest.mark.parametrize("declared", [0, 29, 31, 10**12])
async def test_wrong_decoded_length(declared: int) -> None:
    body = botocore_body(b"0123456789" * 3)
    with pytest.raises(IncompleteBody):
        await decode(unsigned(declared), pieces(body))


async def test_excess_is_refused_before_it_is_yielded() -> None:
    body = botocore_body(b"x" * 1000)
    received = bytearray()
    with pytest.raises(IncompleteBody):
        await decode(unsigned(10), pieces(body), received)
    assert not received


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"%x\r\n" % (MAX_CHUNK_SIZE + 1), InvalidChunkSizeError),
        (b"1" * 300, InvalidRequest),
        (b"1" * 300 + b"\r\n", InvalidRequest),
        (b"zz\r\n", InvalidRequest),
        (b"0x5\r\nhello\r\n0\r\n\r\n", InvalidRequest),
        (b" 5\r\nhello\r\n0\r\n\r\n", InvalidRequest),
        (b"5;ext=1\r\nhello\r\n0\r\n\r\n", InvalidRequest),
        (b"5\r\nhello!\r\n0\r\n\r\n", InvalidRequest),
        (b"5\r\nhello\n0\r\n\r\n", InvalidRequest),
        (b"0\r\n\r\ntrailing garbage", InvalidRequest),
        (b"0\r\nnot a trailer\r\n\r\n", InvalidRequest),
        (b"0\r\n" + b"x-amz-checksum-crc32:" + b"A" * 2000 + b"\r\n\r\n", InvalidRequest),
    ],
)
async def test_garbage_is_refused(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        await decode(unsigned(None, trailer=None), pieces(body))


async def test_too_many_trailers() -> None:
    body = b"0\r\n" + b"x-amz-checksum-crc32:AAAAAA==\r\n" * 40 + b"\r\n"
    with pytest.raises(InvalidRequest):
        await decode(unsigned(None), pieces(body))


async def test_signed_chunk_header_must_carry_a_signature() -> None:
    decoder = AwsChunkedDecoder(
        ChunkedMode.SIGNED, decoded_length=None, trailer=None, signature=seed(DOC_SEED)
    )
    with pytest.raises(InvalidRequest):
        await decode(decoder, pieces(b"5\r\nhello\r\n0\r\n\r\n"))


def test_signed_modes_need_a_sigv4_seed() -> None:
    with pytest.raises(InvalidRequest):
        AwsChunkedDecoder(ChunkedMode.SIGNED, decoded_length=None, trailer=None, signature=None)
    huawei = VerifiedSignature("ab" * 32, TIMESTAMP, None, None)
    with pytest.raises(InvalidRequest):
        AwsChunkedDecoder(ChunkedMode.SIGNED_TRAILER, decoded_length=None, trailer=None, signature=huawei)


def test_modes_are_the_declared_content_sha256_values() -> None:
    assert ChunkedMode("STREAMING-UNSIGNED-PAYLOAD-TRAILER") is ChunkedMode.UNSIGNED_TRAILER
    assert ChunkedMode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD").signed
