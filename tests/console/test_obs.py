"""The object storage pages against a real ``welkin up``; boto3 sets up and checks what they did."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import Welkin
from tests.console.conftest import PASSWORD, ConsoleClient, make_account, make_user

NewClient = Callable[[], ConsoleClient]
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def s3(server: Welkin) -> Iterator[Any]:
    client = boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16),
    )
    yield client
    client.close()


def _name() -> str:
    return f"console-{uuid.uuid4().hex[:10]}"


def _bucket(s3: Any) -> str:
    name = _name()
    s3.create_bucket(Bucket=name)
    return name


def _attr(html: str, selector: str, attribute: str) -> list[str]:
    """Values of ``attribute`` on elements whose opening tag matches ``selector`` (a regex)."""
    return [unescape(m) for m in re.findall(rf"<{selector}[^>]*\b{attribute}=\"([^\"]*)\"", html)]


def _redirected_to(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_create_open_and_delete_a_bucket(server: Welkin, admin: ConsoleClient, s3: Any) -> None:
    page = admin.get("/console/obs")
    assert page.status_code == 200
    assert re.search(r'<form id="create-bucket"[^>]*method="post"', page.text)
    assert 'name="bucket"' in page.text
    name = _name()
    assert _redirected_to(admin.post("/console/obs", {"bucket": name})) == f"/console/obs/{name}"
    s3.head_bucket(Bucket=name)
    listed = admin.get("/console/obs").text
    assert f'<tr class="bucket" data-bucket="{name}">' in listed
    assert f'href="/console/obs/{name}"' in listed
    opened = admin.get(f"/console/obs/{name}")
    assert opened.status_code == 200
    assert 'id="upload-files"' in opened.text
    assert re.search(r'<input id="upload-folder"[^>]*webkitdirectory', opened.text)
    assert re.search(r'<form id="delete-bucket"[^>]*data-confirm=', opened.text)

    s3.put_object(Bucket=name, Key="keep.txt", Body=b"x")
    refused = admin.post(
        f"/console/obs/{name}/delete", headers={"Referer": f"{server.url}/console/obs/{name}"}
    )
    assert _redirected_to(refused) == f"/console/obs/{name}"  # back, with the reason shown
    assert "still holds objects" in admin.get(f"/console/obs/{name}").text
    s3.delete_object(Bucket=name, Key="keep.txt")
    assert _redirected_to(admin.post(f"/console/obs/{name}/delete")) == "/console/obs"
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=name)
    assert f'data-bucket="{name}"' not in admin.get("/console/obs").text


def test_a_bad_bucket_name_is_refused_with_the_reason(admin: ConsoleClient) -> None:
    answer = admin.post("/console/obs", {"bucket": "Not_A_Bucket"})
    assert answer.status_code == 400
    assert "lower-case letters" in answer.text


def test_versioning_and_visibility_take_effect(server: Welkin, admin: ConsoleClient, s3: Any) -> None:
    name = _bucket(s3)
    page = admin.get(f"/console/obs/{name}").text
    assert 'id="versioning"' in page
    assert 'id="visibility"' in page
    admin.post(f"/console/obs/{name}/versioning", {"state": "enabled"})
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    assert ">Suspend versioning<" in admin.get(f"/console/obs/{name}").text
    admin.post(f"/console/obs/{name}/versioning", {"state": "suspended"})
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"

    anonymous = httpx.get(f"{server.url}/{name}")
    assert anonymous.status_code == 403
    assert _redirected_to(admin.post(f"/console/obs/{name}/visibility", {"visibility": "public"}))
    grants = s3.get_bucket_acl(Bucket=name)["Grants"]
    assert any(
        g["Grantee"].get("URI", "").endswith("/AllUsers") and g["Permission"] == "READ" for g in grants
    )
    assert httpx.get(f"{server.url}/{name}").status_code == 200
    assert ">Make private<" in admin.get(f"/console/obs/{name}").text
    admin.post(f"/console/obs/{name}/visibility", {"visibility": "private"})
    assert httpx.get(f"{server.url}/{name}").status_code == 403
    assert admin.post(f"/console/obs/{name}/visibility", {"visibility": "open"}).status_code == 400


def test_the_browser_pages_through_folders_and_objects(admin: ConsoleClient, s3: Any) -> None:
    name = _bucket(s3)
    keys = [f"many/k{i:03}.txt" for i in range(250)] + ["many/sub1/a.txt", "many/sub2/b.txt", "top.txt"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=name, Key=key, Body=b"data"), keys))

    root = admin.get(f"/console/obs/{name}").text
    assert _attr(root, 'tr class="folder"', "data-prefix") == ["many/"]
    assert _attr(root, 'tr class="object"', "data-key") == ["top.txt"]

    seen: list[str] = []
    folders: list[str] = []
    url: str | None = f"/console/obs/{name}?prefix=many/"
    pages = 0
    while url is not None:
        page = admin.get(url).text
        pages += 1
        assert 'href="/console/obs/' + name + '?prefix=many%2F">many<' in page  # breadcrumb
        page_folders = _attr(page, 'tr class="folder"', "data-prefix")
        page_keys = _attr(page, 'tr class="object"', "data-key")
        if page_folders and page_keys:  # folders first on a page
            assert page.index('class="folder"') < page.index('class="object"')
        folders += page_folders
        seen += page_keys
        assert len(page_folders) + len(page_keys) <= 200
        nexts = _attr(page, 'a class="next"', "href")
        url = nexts[0] if nexts else None
    assert pages == 2
    assert seen == sorted(k for k in keys if k.startswith("many/k"))
    assert folders == ["many/sub1/", "many/sub2/"]
    small = admin.get(f"/console/obs/{name}", prefix="many/", size="50").text
    assert len(_attr(small, 'tr class="object"', "data-key")) == 50

    # Each row's Delete button sends its key with the page's one delete form.
    assert re.search(r'<form id="delete-row" method="post" action="[^"]*/object/delete" data-confirm=', root)
    assert _attr(root, 'button type="submit" form="delete-row"', "value") == ["top.txt"]
    assert _redirected_to(admin.post(f"/console/obs/{name}/object/delete", {"key": "top.txt"}))
    assert 'data-key="top.txt"' not in admin.get(f"/console/obs/{name}").text
    assert s3.list_objects_v2(Bucket=name, Prefix="top")["KeyCount"] == 0


def test_details_show_metadata_tags_and_versions(admin: ConsoleClient, s3: Any) -> None:
    name = _bucket(s3)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=name, Key="docs/report.csv", Body=b"a,b\n")
    second = s3.put_object(
        Bucket=name,
        Key="docs/report.csv",
        Body=b"a,b\n1,2\n",
        ContentType="text/csv",
        Metadata={"owner": "finance"},
        Tagging="team=blue&stage=final",
    )
    page = admin.get(f"/console/obs/{name}/object", key="docs/report.csv")
    assert page.status_code == 200
    text = page.text
    details = text[text.index('<dl class="details">') : text.index("</dl>")]
    assert "8 B" in details
    assert "(8 bytes)" in details
    assert second["ETag"] in unescape(details)
    assert "text/csv" in details
    assert "x-amz-meta-owner</code>: finance" in details
    assert "<code>team</code> = blue" in details
    assert "<code>stage</code> = final" in details
    versions = text[text.index('<table id="versions">') : text.index("</table>", text.index('id="versions"'))]
    assert _attr(versions, 'tr class="version[^"]*"', "data-version") == [
        second["VersionId"],
        first["VersionId"],
    ]
    assert re.search(r'<form id="delete-object"', text)
    assert _attr(text, 'input id="presigned-link"', "value")[0].startswith("http://")
    link = _attr(text, 'button type="button" id="copy-link"', "data-copy")[0]
    assert httpx.get(link).content == b"a,b\n1,2\n"

    old = admin.get(f"/console/obs/{name}/object", key="docs/report.csv", version=first["VersionId"]).text
    assert "(4 bytes)" in old
    deleted = admin.post(
        f"/console/obs/{name}/object/delete", {"key": "docs/report.csv", "version": first["VersionId"]}
    )
    assert _redirected_to(deleted) == f"/console/obs/{name}?prefix=docs%2F"
    remaining = s3.list_object_versions(Bucket=name)["Versions"]
    assert [v["VersionId"] for v in remaining] == [second["VersionId"]]


def test_signed_urls_put_and_get_the_bytes(server: Welkin, admin: ConsoleClient, s3: Any) -> None:
    name = _bucket(s3)
    admin.get(f"/console/obs/{name}")
    key = "in folder/ünïcode & more+.bin"
    body = bytes(range(256)) * 4096
    put = admin.api("/console/api/obs/sign", {"op": "PutObject", "bucket": name, "key": key})
    assert put.status_code == 200, put.text
    signed = put.json()
    assert signed["method"] == "PUT"
    assert signed["url"].startswith(f"/{name}/")
    assert "X-Amz-Security-Token=" in signed["url"]
    assert "X-Amz-Signature=" in signed["url"]
    assert server.secret_key not in signed["url"]
    assert httpx.put(server.url + signed["url"], content=body).status_code == 200
    assert s3.get_object(Bucket=name, Key=key)["Body"].read() == body

    get = admin.api(
        "/console/api/obs/sign", {"op": "GetObject", "bucket": name, "key": key, "download": True}
    )
    fetched = httpx.get(server.url + get.json()["url"])
    assert fetched.content == body
    assert fetched.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    assert get.json()["link"] == server.url + get.json()["url"]

    page = admin.get(f"/console/obs/{name}", prefix="in folder/").text
    download = _attr(page, 'a class="download"', "href")[0]
    redirected = admin.http.get(download)
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith(f"/{name}/in%20folder/")
    assert httpx.get(server.url + redirected.headers["location"]).content == body


def test_signed_urls_carry_a_multipart_upload(server: Welkin, admin: ConsoleClient, s3: Any) -> None:
    name = _bucket(s3)
    admin.get(f"/console/obs/{name}")
    key = "big/file.bin"
    parts = [b"a" * (5 * MiB), b"b" * 1024]

    def sign(op: str, **fields: Any) -> dict[str, Any]:
        answer = admin.api("/console/api/obs/sign", {"op": op, "bucket": name, "key": key, **fields})
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    with httpx.Client(base_url=server.url, timeout=30) as http:
        created = http.post(sign("CreateMultipartUpload")["url"])
        assert created.status_code == 200, created.text
        upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", created.text)
        assert upload_id
        urls = sign("UploadPart", upload_id=upload_id.group(1), part_numbers=[1, 2])["urls"]
        etags = [http.put(urls[str(n)], content=data).headers["etag"] for n, data in enumerate(parts, 1)]
        listing = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in enumerate(etags, 1)
        )
        complete = sign("CompleteMultipartUpload", upload_id=upload_id.group(1))["url"]
        done = http.post(complete, content=f"<CompleteMultipartUpload>{listing}</CompleteMultipartUpload>")
        assert done.status_code == 200, done.text
        assert "<Error>" not in done.text, done.text
        assert s3.get_object(Bucket=name, Key=key)["Body"].read() == b"".join(parts)

        second = http.post(sign("CreateMultipartUpload")["url"])
        abandoned = re.search(r"<UploadId>([^<]+)</UploadId>", second.text)
        assert abandoned
        aborted = http.delete(sign("AbortMultipartUpload", upload_id=abandoned.group(1))["url"])
        assert aborted.status_code == 204
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []


def test_the_signer_signs_only_transfers(server: Welkin, admin: ConsoleClient, s3: Any) -> None:
    name = _bucket(s3)
    admin.get("/console/obs")
    for op in ("DeleteObject", "PutBucketPolicy", "DeleteBucket"):
        refused = admin.api("/console/api/obs/sign", {"op": op, "bucket": name, "key": "a"})
        assert refused.status_code == 400, op
        assert refused.json()["error"]["code"] == "InvalidArgument"
    for wrong in (
        {"op": "UploadPart", "key": "a", "upload_id": "x"},  # no part numbers
        {"op": "PutObject", "key": "a", "expires": 60},
        {"op": "GetObject", "key": "a/../b"},
        {"op": "GetObject", "key": "a", "expires": 7 * 86400},
        {"op": "GetObject", "key": "a", "extra": 1},
    ):
        assert admin.api("/console/api/obs/sign", {"bucket": name, **wrong}).status_code == 400, wrong
    no_token = admin.http.post("/console/api/obs/sign", json={"op": "GetObject", "bucket": name, "key": "a"})
    assert no_token.status_code == 403


def test_keys_and_tags_are_shown_as_text(admin: ConsoleClient, s3: Any) -> None:
    name = _bucket(s3)
    key = "<script>alert(1)</script>.txt"
    s3.put_object(
        Bucket=name,
        Key=key,
        Body=b"x",
        Metadata={"note": "<b>bold</b>"},
        Tagging="label=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    )
    root = admin.get(f"/console/obs/{name}").text  # the "/" in "</script>" makes a folder
    assert "<script>alert(1)" not in root
    assert 'data-prefix="&lt;script&gt;alert(1)&lt;/"' in root
    folder = admin.get(f"/console/obs/{name}", prefix="<script>alert(1)</").text
    details = admin.get(f"/console/obs/{name}/object", key=key).text
    for page in (folder, details):
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;.txt" in page
    assert "<img src=x" not in details
    assert "&lt;img src=x onerror=alert(1)&gt;" in details
    assert "<b>bold</b>" not in details
    assert "&lt;b&gt;bold&lt;/b&gt;" in details


def test_a_read_only_user_sees_no_changes_and_cannot_make_one(
    server: Welkin, new_client: NewClient, s3: Any
) -> None:
    name = _bucket(s3)
    s3.put_object(Bucket=name, Key="precious.txt", Body=b"keep me")
    make_user(server, "reader", ["OBS ReadOnlyAccess"])
    reader = new_client()
    assert reader.sign_in("admin", "reader", PASSWORD).status_code == 303
    buckets = reader.get("/console/obs")
    assert buckets.status_code == 200
    assert f'data-bucket="{name}"' in buckets.text
    assert 'id="create-bucket"' not in buckets.text
    page = reader.get(f"/console/obs/{name}")
    assert page.status_code == 200
    assert 'data-key="precious.txt"' in page.text
    for absent in (
        'id="upload-files"',
        'id="delete-bucket"',
        'id="versioning"',
        'id="visibility"',
        "/object/delete",
    ):
        assert absent not in page.text, absent

    assert reader.post(f"/console/obs/{name}/object/delete", {"key": "precious.txt"}).status_code == 403
    assert reader.post(f"/console/obs/{name}/delete").status_code == 403
    assert reader.post(f"/console/obs/{name}/visibility", {"visibility": "public"}).status_code == 403
    assert reader.post("/console/obs", {"bucket": _name()}).status_code == 403
    assert s3.get_object(Bucket=name, Key="precious.txt")["Body"].read() == b"keep me"
    assert s3.get_bucket_acl(Bucket=name)["Grants"][0]["Permission"] == "FULL_CONTROL"
    # A URL is signed for anyone signed in; the S3 edge then refuses what the user may not do.
    put = reader.api("/console/api/obs/sign", {"op": "PutObject", "bucket": name, "key": "precious.txt"})
    assert httpx.put(server.url + put.json()["url"], content=b"overwritten").status_code == 403
    assert s3.get_object(Bucket=name, Key="precious.txt")["Body"].read() == b"keep me"


def test_another_account_cannot_reach_the_bucket(server: Welkin, new_client: NewClient, s3: Any) -> None:
    name = _bucket(s3)
    s3.put_object(Bucket=name, Key="secret.txt", Body=b"mine")
    make_account(server, "rival")
    rival = new_client()
    assert rival.sign_in("rival", "rival", PASSWORD).status_code == 303
    assert f'data-bucket="{name}"' not in rival.get("/console/obs").text
    for path, params in (
        (f"/console/obs/{name}", {}),
        (f"/console/obs/{name}/object", {"key": "secret.txt"}),
        (f"/console/obs/{name}/download", {"key": "secret.txt"}),
    ):
        answer = rival.get(path, **params)
        assert answer.status_code == 404, path
        assert "secret.txt" not in answer.text
    assert rival.post(f"/console/obs/{name}/delete").status_code == 404
    assert rival.post(f"/console/obs/{name}/object/delete", {"key": "secret.txt"}).status_code == 404
    signed = rival.api("/console/api/obs/sign", {"op": "GetObject", "bucket": name, "key": "secret.txt"})
    assert signed.status_code == 404
    s3.head_bucket(Bucket=name)
    assert s3.get_object(Bucket=name, Key="secret.txt")["Body"].read() == b"mine"


def test_objects_are_served_sandboxed_on_the_consoles_origin(
    server: Welkin, admin: ConsoleClient, s3: Any
) -> None:
    name = _bucket(s3)
    page = b"<script>fetch('/console/obs').then(r => r.text()).then(t => fetch('//evil.example', t))</script>"
    s3.put_object(Bucket=name, Key="x.html", Body=page, ContentType="text/html")
    admin.get(f"/console/obs/{name}")
    link = admin.api("/console/api/obs/sign", {"op": "GetObject", "bucket": name, "key": "x.html"}).json()[
        "link"
    ]
    got = httpx.get(link)
    assert got.status_code == 200
    head = s3.head_object(Bucket=name, Key="x.html")["ResponseMetadata"]["HTTPHeaders"]
    for headers in (got.headers, head):
        policy = headers["content-security-policy"]
        assert policy.startswith("sandbox;")  # an opaque origin, and no allow-scripts
        assert "default-src 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
    # What such a page could send is refused: a sandboxed document's requests say Origin: null.
    forged = admin.http.post(
        f"/console/obs/{name}/delete", data={"csrf": admin.csrf}, headers={"Origin": "null"}
    )
    assert forged.status_code == 403
    s3.head_bucket(Bucket=name)
