"""Multipart uploads through boto3: low-level calls, the transfer manager, listings, errors."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from tests.compat.obs.conftest import enable_versioning, error_code

MIB = 1 << 20


def _upload_parts(
    s3: Any, bucket: str, key: str, upload_id: str, bodies: list[bytes]
) -> list[dict[str, Any]]:
    parts = []
    for number, body in enumerate(bodies, start=1):
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    return parts


def _bodies() -> list[bytes]:
    return [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail of the object"]


def test_create_upload_complete(s3: Any, bucket: str) -> None:
    created = s3.create_multipart_upload(
        Bucket=bucket, Key="big", ContentType="text/plain", Metadata={"colour": "blue"}, Tagging="a=1"
    )
    bodies = _bodies()
    parts = _upload_parts(s3, bucket, "big", created["UploadId"], bodies)
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=created["UploadId"], MultipartUpload={"Parts": parts}
    )
    joined = b"".join(hashlib.md5(b, usedforsecurity=False).digest() for b in bodies)
    expected = hashlib.md5(joined, usedforsecurity=False).hexdigest() + "-4"
    assert done["ETag"] == f'"{expected}"'
    whole = b"".join(bodies)
    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["Body"].read() == whole
    assert got["ETag"] == f'"{expected}"'
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"colour": "blue"}
    assert got["TagCount"] == 1
    # A range that spans the boundary between parts 1 and 2, and one that reaches the tail.
    boundary = s3.get_object(Bucket=bucket, Key="big", Range=f"bytes={5 * MIB - 10}-{5 * MIB + 9}")
    assert boundary["Body"].read() == whole[5 * MIB - 10 : 5 * MIB + 10]
    tail = s3.get_object(Bucket=bucket, Key="big", Range=f"bytes={15 * MIB - 3}-")
    assert tail["Body"].read() == whole[15 * MIB - 3 :]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_composite_checksum(s3: Any, bucket: str) -> None:
    created = s3.create_multipart_upload(Bucket=bucket, Key="summed", ChecksumAlgorithm="SHA256")
    upload_id = created["UploadId"]
    parts = []
    for number, body in enumerate([os.urandom(5 * MIB), b"last"], start=1):
        answer = s3.upload_part(
            Bucket=bucket,
            Key="summed",
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ChecksumAlgorithm="SHA256",
        )
        parts.append(
            {"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": answer["ChecksumSHA256"]}
        )
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="summed", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    joined = b"".join(base64.b64decode(p["ChecksumSHA256"]) for p in parts)
    expected = base64.b64encode(hashlib.sha256(joined).digest()).decode() + "-2"
    assert done["ChecksumSHA256"] == expected
    head = s3.head_object(Bucket=bucket, Key="summed", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == expected


def test_transfer_manager_roundtrip(s3: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(23 * MIB + 123))
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=4)
    s3.upload_file(str(source), bucket, "file.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="file.bin")
    assert head["ContentLength"] == source.stat().st_size
    assert head["ETag"].endswith('-5"')
    target = tmp_path / "target.bin"
    s3.download_file(bucket, "file.bin", str(target), Config=config)
    assert target.read_bytes() == source.read_bytes()


def test_replacing_a_part_keeps_the_last(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"first")
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"second")["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [(1, etag, 6)]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second"


def test_list_parts_pages(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    _upload_parts(s3, bucket, "k", upload_id, [b"x"] * 5)
    first = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert first["IsTruncated"] is True
    assert first["NextPartNumberMarker"] == 2
    rest = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, PartNumberMarker=2, MaxParts=10)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3, 4, 5]
    assert rest["IsTruncated"] is False
    paginated = s3.get_paginator("list_parts").paginate(
        Bucket=bucket, Key="k", UploadId=upload_id, PaginationConfig={"PageSize": 2}
    )
    assert [p["PartNumber"] for page in paginated for p in page["Parts"]] == [1, 2, 3, 4, 5]


def test_list_uploads_pages_and_prefixes(s3: Any, bucket: str) -> None:
    ids = {}
    for key in ["a/1", "a/2", "b", "c", "c"]:
        ids.setdefault(key, []).append(s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"])
    everything = s3.list_multipart_uploads(Bucket=bucket)
    assert [u["Key"] for u in everything["Uploads"]] == ["a/1", "a/2", "b", "c", "c"]
    assert sorted(u["UploadId"] for u in everything["Uploads"] if u["Key"] == "c") == sorted(ids["c"])
    paginated = s3.get_paginator("list_multipart_uploads").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 2}
    )
    seen = [(u["Key"], u["UploadId"]) for page in paginated for u in page.get("Uploads", [])]
    assert seen == [(u["Key"], u["UploadId"]) for u in everything["Uploads"]]
    grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["b", "c", "c"]
    prefixed = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert [u["Key"] for u in prefixed["Uploads"]] == ["a/1", "a/2"]
    after = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="b")
    assert [u["Key"] for u in after["Uploads"]] == ["c", "c"]


def test_abort(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    _upload_parts(s3, bucket, "k", upload_id, [b"x"])
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    for call in (
        lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id),
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"y"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k")
    assert error_code(exc) == "404"
    s3.delete_bucket(Bucket=bucket)  # no uploads or parts left behind


def test_completion_errors(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = _upload_parts(s3, bucket, "k", upload_id, [b"small", b"also small", os.urandom(5 * MIB)])

    def complete(chosen: list[dict[str, Any]], upload: str = upload_id) -> str:
        with pytest.raises(ClientError) as exc:
            s3.complete_multipart_upload(
                Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": chosen}
            )
        return error_code(exc)

    assert complete([parts[1], parts[0]]) == "InvalidPartOrder"
    assert complete([parts[0], {"PartNumber": 2, "ETag": parts[0]["ETag"]}]) == "InvalidPart"
    assert complete([parts[0], {"PartNumber": 7, "ETag": parts[0]["ETag"]}]) == "InvalidPart"
    assert complete([parts[0], parts[2]]) == "EntityTooSmall"
    assert complete([parts[0]], upload="0" * 32) == "NoSuchUpload"
    # A failed completion leaves the upload as it was.
    s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": [parts[2]]}
    )
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == 5 * MIB


def test_bad_part_numbers(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for number in (0, 10001):
        with pytest.raises(ClientError) as exc:
            s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=number, Body=b"x")
        assert error_code(exc) == "InvalidArgument"


def test_complete_if_none_match(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"there")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = _upload_parts(s3, bucket, "k", upload_id, [b"x"])
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": parts}, IfNoneMatch="*"
        )
    assert error_code(exc) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"there"


def test_versioned_completion(s3: Any, bucket: str) -> None:
    enable_versioning(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = _upload_parts(s3, bucket, "k", upload_id, [b"v2"])
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert done["VersionId"] not in ("null", first)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=first)["Body"].read() == b"v1"


def test_upload_part_copy_with_ranges(s3: Any, bucket: str) -> None:
    data = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="src", Body=data)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    source = {"Bucket": bucket, "Key": "src"}
    first = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload_id,
        PartNumber=1,
        CopySource=source,
        CopySourceRange="bytes=0-5242879",
    )
    second = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload_id,
        PartNumber=3,
        CopySource=source,
        CopySourceRange=f"bytes=5242880-{6 * MIB - 1}",
    )
    third = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=2, CopySource=source)
    parts = [
        {"PartNumber": n, "ETag": answer["CopyPartResult"]["ETag"]}
        for n, answer in enumerate([first, third, second], 1)
    ]
    assert parts[0]["ETag"] == f'"{hashlib.md5(data[: 5 * MIB], usedforsecurity=False).hexdigest()}"'
    s3.complete_multipart_upload(
        Bucket=bucket, Key="dst", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == data[: 5 * MIB] + data + data[5 * MIB :]
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="dst",
            UploadId=upload_id,
            PartNumber=1,
            CopySource=source,
            CopySourceRange="bytes=0-5",
        )
    assert error_code(exc) == "NoSuchUpload"


def test_upload_part_copy_errors(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    source = {"Bucket": bucket, "Key": "src"}

    def copy_error(**extra: Any) -> str:
        with pytest.raises(ClientError) as exc:
            s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1, **extra)
        return error_code(exc)

    assert copy_error(CopySource=source, CopySourceRange="bytes=5-20") == "InvalidArgument"
    assert copy_error(CopySource=source, CopySourceRange="bytes=5-") == "InvalidArgument"
    assert copy_error(CopySource=source, CopySourceIfMatch='"nope"') == "PreconditionFailed"
    assert copy_error(CopySource={"Bucket": bucket, "Key": "missing"}) == "NoSuchKey"
    answer = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload_id,
        PartNumber=1,
        CopySource=source,
        CopySourceRange="bytes=2-4",
    )
    assert answer["CopyPartResult"]["ETag"] == f'"{hashlib.md5(b"234", usedforsecurity=False).hexdigest()}"'


def test_part_digest_mismatch(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as exc:
        s3.upload_part(
            Bucket=bucket,
            Key="k",
            UploadId=upload_id,
            PartNumber=1,
            Body=b"abc",
            ContentMD5=base64.b64encode(hashlib.md5(b"xyz", usedforsecurity=False).digest()).decode(),
        )
    assert error_code(exc) == "BadDigest"
    assert s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id).get("Parts", []) == []
