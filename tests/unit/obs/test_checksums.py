import base64

import pytest
from botocore.httpchecksum import Crc32Checksum, Sha1Checksum, Sha256Checksum

from welkin.obs.checksums import Checksum, ChecksumAlgorithm, validate_value
from welkin.obs.errors import InvalidRequest

CHECK_INPUT = b"123456789"


@pytest.mark.parametrize(
    ("algorithm", "digest_hex"),
    [
        # The catalogued check values of each CRC over "123456789".
        (ChecksumAlgorithm.CRC32, "cbf43926"),
        (ChecksumAlgorithm.CRC32C, "e3069283"),
        (ChecksumAlgorithm.CRC64NVME, "ae8b14860a799888"),
        (ChecksumAlgorithm.SHA1, "f7c3bc1d808e04732adf679965ccc34ca7ae3441"),
        (ChecksumAlgorithm.SHA256, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"),
    ],
)
def test_known_answers(algorithm: ChecksumAlgorithm, digest_hex: str) -> None:
    checksum = Checksum(algorithm)
    checksum.update(CHECK_INPUT)
    assert checksum.digest().hex() == digest_hex
    assert checksum.value() == base64.b64encode(bytes.fromhex(digest_hex)).decode()


def test_crc32c_value_as_s3_documents_it() -> None:
    # From the AWS SigV4 trailing-header example: 66560 bytes of "a".
    checksum = Checksum(ChecksumAlgorithm.CRC32C)
    checksum.update(b"a" * 66560)
    assert checksum.value() == "sOO8/Q=="


@pytest.mark.parametrize(
    ("algorithm", "botocore_cls"),
    [
        (ChecksumAlgorithm.CRC32, Crc32Checksum),
        (ChecksumAlgorithm.SHA1, Sha1Checksum),
        (ChecksumAlgorithm.SHA256, Sha256Checksum),
    ],
)
def test_matches_botocore_incrementally(algorithm: ChecksumAlgorithm, botocore_cls: type) -> None:
    data = bytes(range(256)) * 300
    ours, theirs = Checksum(algorithm), botocore_cls()
    for start in range(0, len(data), 7001):
        ours.update(memoryview(data)[start : start + 7001])
        theirs.update(data[start : start + 7001])
    assert ours.value() == theirs.b64digest()


@pytest.mark.parametrize("algorithm", list(ChecksumAlgorithm))
def test_empty_input_and_split_updates_agree(algorithm: ChecksumAlgorithm) -> None:
    whole, split = Checksum(algorithm), Checksum(algorithm)
    whole.update(b"hello world")
    for part in (b"", b"hello", bytearray(b" "), b"world"):
        split.update(part)
    assert whole.value() == split.value()
    assert len(Checksum(algorithm).digest()) == algorithm.digest_size


def test_header_names_round_trip() -> None:
    assert ChecksumAlgorithm.CRC32.header_name == "x-amz-checksum-crc32"
    assert ChecksumAlgorithm.CRC64NVME.header_name == "x-amz-checksum-crc64nvme"
    for algorithm in ChecksumAlgorithm:
        assert ChecksumAlgorithm.from_header_name(algorithm.header_name) is algorithm
    assert ChecksumAlgorithm.from_header_name("X-Amz-Checksum-SHA256") is ChecksumAlgorithm.SHA256


@pytest.mark.parametrize("name", ["x-amz-checksum-md5", "x-amz-checksum-", "content-md5", "crc32"])
def test_unknown_header_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidRequest):
        ChecksumAlgorithm.from_header_name(name)


def test_validate_value_accepts_a_digest_of_the_right_size() -> None:
    validate_value(ChecksumAlgorithm.CRC32, "y/Q5Jg==")
    validate_value(ChecksumAlgorithm.SHA1, base64.b64encode(bytes(20)).decode())


@pytest.mark.parametrize(
    ("algorithm", "value"),
    [
        (ChecksumAlgorithm.CRC32, "y/Q5"),  # three bytes
        (ChecksumAlgorithm.CRC32, "y/Q5Jg"),  # padding missing
        (ChecksumAlgorithm.CRC32, "y/Q5Jg=!"),
        (ChecksumAlgorithm.CRC32, "é/Q5Jg=="),
        (ChecksumAlgorithm.CRC64NVME, "y/Q5Jg=="),
        (ChecksumAlgorithm.SHA256, ""),
    ],
)
def test_validate_value_refuses_malformed_values(algorithm: ChecksumAlgorithm, value: str) -> None:
    with pytest.raises(InvalidRequest, match=algorithm.header_name):
        validate_value(algorithm, value)
