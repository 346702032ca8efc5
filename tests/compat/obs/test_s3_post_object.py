"""Browser POST uploads (PostObject): forms from boto3's generate_presigned_post, sent by httpx."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from defusedxml import ElementTree as ET

from tests.conftest import Welkin

MIB = 1 << 20


def post(url: str, fields: dict[str, str], data: bytes, filename: str = "upload.bin") -> httpx.Response:
    # A list keeps the fields in order, and httpx puts files after data, as S3 requires.
    return httpx.post(url, data=fields, files={"file": (filename, data)}, timeout=30)


def error_of(response: httpx.Response) -> tuple[str, str]:
    root = ET.fromstring(response.content)
    return root.findtext("Code") or "", root.findtext("Message") or ""


def test_default_success_is_204_and_object_is_stored(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "photos/cat.jpg")
    response = post(form["url"], form["fields"], b"meow")
    assert response.status_code == 204, response.text
    assert response.headers["ETag"] == s3.head_object(Bucket=bucket, Key="photos/cat.jpg")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="photos/cat.jpg")["Body"].read() == b"meow"


@pytest.mark.parametrize("status", ["200", "204"])
def test_success_action_status_without_body(s3: Any, bucket: str, status: str) -> None:
    form = s3.generate_presigned_post(
        bucket,
        "k",
        Fields={"success_action_status": status},
        Conditions=[{"success_action_status": status}],
    )
    response = post(form["url"], form["fields"], b"data")
    assert response.status_code == int(status)
    assert response.content == b""


def test_success_action_status_201_returns_post_response(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(
        bucket,
        "doc.txt",
        Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}],
    )
    response = post(form["url"], form["fields"], b"hello")
    assert response.status_code == 201
    root = ET.fromstring(response.content)
    ns = {"s3": root.tag.split("}")[0][1:]} if root.tag.startswith("{") else {}
    prefix = "s3:" if ns else ""
    assert root.tag.endswith("PostResponse")
    assert root.findtext(f"{prefix}Bucket", namespaces=ns) == bucket
    assert root.findtext(f"{prefix}Key", namespaces=ns) == "doc.txt"
    assert (
        root.findtext(f"{prefix}ETag", namespaces=ns) == s3.head_object(Bucket=bucket, Key="doc.txt")["ETag"]
    )
    assert (root.findtext(f"{prefix}Location", namespaces=ns) or "").endswith(f"/{bucket}/doc.txt")


def test_success_action_redirect(s3: Any, bucket: str) -> None:
    target = "https://example.com/done?from=form"
    form = s3.generate_presigned_post(
        bucket,
        "r.txt",
        Fields={"success_action_redirect": target},
        Conditions=[{"success_action_redirect": target}],
    )
    response = post(form["url"], form["fields"], b"x")
    assert response.status_code == 303
    location = httpx.URL(response.headers["Location"])
    assert location.host == "example.com"
    assert location.params["from"] == "form"
    assert location.params["bucket"] == bucket
    assert location.params["key"] == "r.txt"
    assert location.params["etag"] == s3.head_object(Bucket=bucket, Key="r.txt")["ETag"]


def test_filename_is_substituted_into_the_key(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "uploads/${filename}")
    response = post(form["url"], form["fields"], b"report", filename="q3.pdf")
    assert response.status_code == 204, response.text
    assert s3.get_object(Bucket=bucket, Key="uploads/q3.pdf")["Body"].read() == b"report"


def test_metadata_content_type_acl_and_tags_are_stored(s3: Any, bucket: str) -> None:
    tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>"
    fields = {
        "Content-Type": "image/png",
        "Cache-Control": "max-age=60",
        "x-amz-meta-origin": "browser",
        "acl": "public-read",
        "tagging": tagging,
    }
    conditions = [{name: value} for name, value in fields.items()]
    form = s3.generate_presigned_post(bucket, "img.png", Fields=fields, Conditions=conditions)
    response = post(form["url"], form["fields"], b"\x89PNG")
    assert response.status_code == 204, response.text
    head = s3.head_object(Bucket=bucket, Key="img.png")
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == "max-age=60"
    assert head["Metadata"] == {"origin": "browser"}
    tags = s3.get_object_tagging(Bucket=bucket, Key="img.png")["TagSet"]
    assert tags == [{"Key": "team", "Value": "web"}]
    public = httpx.get(f"{form['url']}/img.png", timeout=10)
    assert public.status_code == 200
    assert public.content == b"\x89PNG"


def test_key_outside_the_allowed_prefix_is_refused(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "users/alice/${filename}")
    fields = {**form["fields"], "key": "users/bob/x.txt"}
    response = post(form["url"], fields, b"x")
    assert response.status_code == 403
    code, message = error_of(response)
    assert code == "AccessDenied"
    assert "Policy Condition failed" in message
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_content_length_range_is_enforced_while_streaming(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "sized", Conditions=[["content-length-range", 2, 10]])
    too_large = post(form["url"], form["fields"], b"x" * 11)
    assert too_large.status_code == 400
    assert error_of(too_large)[0] == "EntityTooLarge"
    too_small = post(form["url"], form["fields"], b"x")
    assert too_small.status_code == 400
    assert error_of(too_small)[0] == "EntityTooSmall"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="sized")
    assert post(form["url"], form["fields"], b"x" * 10).status_code == 204


def test_field_not_named_by_the_policy_is_refused(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "k")
    response = post(form["url"], {**form["fields"], "x-amz-meta-sneaky": "1"}, b"x")
    assert response.status_code == 403
    assert error_of(response) == (
        "AccessDenied",
        "Invalid according to Policy: Extra input fields: [x-amz-meta-sneaky]",
    )


def test_x_ignore_fields_need_no_condition(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "k")
    response = post(form["url"], {**form["fields"], "x-ignore-note": "hi"}, b"x")
    assert response.status_code == 204, response.text


def test_expired_policy_is_refused(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "k", ExpiresIn=-60)
    response = post(form["url"], form["fields"], b"x")
    assert response.status_code == 403
    assert error_of(response) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


def test_tampered_signature_is_refused(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "k")
    signature = form["fields"]["x-amz-signature"]
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    response = post(form["url"], {**form["fields"], "x-amz-signature": forged}, b"x")
    assert response.status_code == 403
    assert error_of(response)[0] == "SignatureDoesNotMatch"


def test_unknown_access_key_is_refused(make_s3: Any, bucket: str) -> None:
    stranger = make_s3("AKNOSUCHKEY000000000", "not-a-secret")
    form = stranger.generate_presigned_post(bucket, "k")
    response = post(form["url"], form["fields"], b"x")
    assert response.status_code == 403
    assert error_of(response)[0] == "InvalidAccessKeyId"


def test_anonymous_post_to_private_bucket_is_denied(server: Welkin, bucket: str) -> None:
    response = post(f"{server.url}/{bucket}", {"key": "anon.txt"}, b"x")
    assert response.status_code == 403
    assert error_of(response)[0] == "AccessDenied"


def test_anonymous_post_to_public_write_bucket_is_allowed(s3: Any, server: Welkin, bucket: str) -> None:
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    response = post(f"{server.url}/{bucket}", {"key": "anon.txt"}, b"hello")
    assert response.status_code == 204, response.text
    assert s3.get_object(Bucket=bucket, Key="anon.txt")["Body"].read() == b"hello"


def test_body_that_is_not_a_form_is_refused(server: Welkin, bucket: str) -> None:
    response = httpx.post(f"{server.url}/{bucket}", content=b"key=x", timeout=10)
    assert response.status_code == 412
    assert error_of(response)[0] == "PreconditionFailed"


def test_form_without_file_is_refused(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "k")
    response = httpx.post(form["url"], data=form["fields"], files={"other": ("a", b"b")}, timeout=10)
    assert response.status_code == 400
    assert error_of(response)[0] == "InvalidArgument"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_large_file_is_streamed_not_buffered(s3: Any, server: Welkin, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "big.bin")
    assert post(form["url"], form["fields"], b"warm-up").status_code == 204
    boundary = uuid.uuid4().hex
    size = 50 * MIB

    def body() -> Iterator[bytes]:
        for name, value in form["fields"].items():
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
        disposition = 'form-data; name="file"; filename="big.bin"'
        yield f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        block = b"w" * MIB
        for _ in range(size // MIB):
            yield block
        yield f"\r\n--{boundary}--\r\n".encode()

    before = _rss_kib(server.process.pid)
    response = httpx.post(
        form["url"],
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=120,
    )
    after = _rss_kib(server.process.pid)
    assert response.status_code == 204, response.text
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ContentLength"] == size
    assert after - before < 30 * 1024, f"server RSS grew by {(after - before) // 1024} MiB"
